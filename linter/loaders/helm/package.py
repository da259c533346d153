"""A chart as `helm dependency build` leaves it: the chart's vetted files plus an archive under
`charts/` for every dependency that is not committed there, as Argo CD's repo-server has it
before `helm template`.

For each Chart.yaml dependency (docs/reference/helm.md):
- committed under `charts/` (a directory or `<name>-<version>.tgz`): used as it is;
- `file://<path>`: the chart at that path inside the repository, packed the same way;
- a Helm repository or OCI registry: the version Chart.lock pins when the lock is in sync with
  Chart.yaml, else the newest version the constraint allows, fetched (loaders/fetch/).
A dependency that cannot be had is left out (Helm then renders the chart without it) and
reported, with the reason, as LD010; the values heuristics cover it as before.
"""

from __future__ import annotations

import functools
import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ...core.semver import coerce, parse_constraint
from ...model import Chart, Dependency, Location, Mirror, Problem
from ..fetch.cache import sha256
from ..fetch.fetcher import Fetched, Fetcher
from ..fetch.sources import ChartSource, chart_source, repository_alias
from ..files import inside_repo
from .archive import TemplateSources, content_digest
from .sanitize import MAX_EXPANDED_BYTES, Budget, sanitize_archive

# LD010's hint (`{fix}; until then …`), by what went wrong
FETCH_FIX = (
    "Run `m0sh1-lint charts pull` where the repository is reachable (CI can cache the chart cache), add a "
    "mirror under charts.mirrors or credentials (M0SH1_LINT_HELM_AUTH, Helm's repository/registry config), "
    "or commit the chart under charts/"
)
SOURCE_FIX = (
    "Set `repository` to a Helm repository URL (https://…) or an OCI reference (oci://…), add the name with "
    "`helm repo add`, or commit the chart under charts/"
)
VERSION_FIX = "Give the dependency a `version` (exact, or a constraint such as ^1.2.0) and run `helm dependency update`"
LOCAL_FIX = (
    "Point `repository: file://…` at the chart's directory inside the repository, with the chart's own `name` "
    "and a `version` its Chart.yaml satisfies"
)
NESTED_FIX = (
    "Make it a dependency of the chart Argo CD renders (next to the `file://` one), or commit this chart's "
    "charts/ (`helm dependency build` in it)"
)


@dataclass(frozen=True)
class Subchart:
    """A dependency that is part of the archive Helm renders."""

    scope: str  # alias or name: the key its values sit under and the name its templates render as
    name: str
    version: str
    origin: Literal["vendored", "fetched", "local"]
    selected_at: Location  # the Chart.yaml dependency entry (where a default of the chart is chosen)
    describe: str  # "redis 17.3.2 from https://charts.example.com"
    archive_key: str = ""  # for fetched and local ones: where TemplateSources has its archive


@dataclass
class Packed:
    """A chart ready for Helm. The archive is built only when asked (a render cache hit never
    asks); `digest` identifies its content either way."""

    digest: str
    subcharts: tuple[Subchart, ...]
    problems: tuple[Problem, ...]
    build: Callable[[], bytes] = field(repr=False)
    _archive: bytes | None = field(default=None, repr=False)
    archive_key: str = ""  # a fetched chart's: where TemplateSources has its archive

    @property
    def archive(self) -> bytes:
        if self._archive is None:
            self._archive = self.build()
        return self._archive

    @staticmethod
    def of(archive: bytes, subcharts: tuple[Subchart, ...] = (), archive_key: str = "") -> Packed:
        return Packed(sha256(archive), subcharts, (), lambda: archive, archive, archive_key)

    def subchart(self, scope: str) -> Subchart | None:
        return next((s for s in self.subcharts if s.scope == scope), None)


@dataclass(frozen=True)
class Included:
    """A dependency ready to go into its parent's archive as `member`."""

    member: str
    data: bytes
    subchart: Subchart
    problems: tuple[Problem, ...] = ()  # what a `file://` chart lacks, as Helm packs it


ChartLookup = Callable[[str], Chart | None]


@dataclass
class Packager:
    sources: TemplateSources
    chart: ChartLookup
    fetcher: Fetcher | None  # None: dependencies are never fetched (only what is committed renders)
    mirrors: tuple[Mirror, ...] = ()
    _packed: dict[str, Packed] = field(default_factory=dict)
    _sanitized: dict[str, bytes] = field(default_factory=dict)  # fetched archive digest → it, made safe

    def pack(self, chart: Chart) -> Packed:
        if chart.dir not in self._packed:
            self._packed[chart.dir] = self._pack(chart)
        return self._packed[chart.dir]

    def _names(self) -> dict[str, str]:
        """Helm's repository names, for `@name` dependencies (none without fetching)."""
        return self.fetcher.repository_names if self.fetcher is not None else {}

    def fetched_archive(self, fetched: Fetched) -> tuple[str, bytes]:
        """A fetched archive made safe (schemas sanitised) and registered with the template
        sources, once per archive however many charts depend on it: (its key, its bytes)."""
        key = f"fetched:{fetched.digest}"
        if fetched.digest not in self._sanitized:
            self._sanitized[fetched.digest] = sanitize_archive(fetched.archive)
            self.sources.register(key, self._sanitized[fetched.digest])
        return key, self._sanitized[fetched.digest]

    def requests(self, charts: list[Chart]) -> list[tuple[ChartSource, str | None]]:
        """What `fetch_all` should download for these charts' dependencies (to do it in parallel).
        A chart some other one reaches through `file://` is skipped: Helm packs it without its
        dependencies (if an Application renders it too, that walk fetches them)."""
        local = {_local_target(chart, d) for chart in charts for d in chart.dependencies}
        out: list[tuple[ChartSource, str | None]] = []
        for chart in charts:
            if chart.dir in local:
                continue
            for dependency in chart.dependencies:
                if dependency.scope in chart.vendored:
                    continue
                source = chart_source(dependency.repository or "", dependency.name, self.mirrors, self._names())
                wanted = _wanted(chart, dependency)
                if source is not None and wanted is not None:
                    out.append((source, wanted))
        return out

    def _pack(self, chart: Chart) -> Packed:
        extra: dict[str, bytes] = {}
        subcharts: list[Subchart] = []
        problems: list[Problem] = []
        for dependency in chart.dependencies:
            where = chart.chart_doc.location(("dependencies", dependency.index))
            if dependency.scope in chart.vendored:
                subcharts.append(_committed_subchart(dependency, where))
                continue
            included = self._dependency(chart, dependency, where)
            if isinstance(included, Problem):
                problems.append(included)
                continue
            extra.setdefault(included.member, included.data)
            subcharts.append(included.subchart)
            problems.extend(included.problems)
        digest = content_digest(self.sources.files, chart.dir, extra)
        return Packed(digest, tuple(subcharts), tuple(problems), lambda: self.sources.archive(chart.dir, extra))

    def _dependency(self, chart: Chart, dependency: Dependency, where: Location) -> Included | Problem:
        path = _file_path(dependency)
        if path is not None:
            return self._local(chart, dependency, where, path)
        repository = (dependency.repository or "").strip()
        source = chart_source(repository, dependency.name, self.mirrors, self._names())
        if source is None:
            reason = (
                "it has no repository and is not committed under charts/"
                if not repository
                else f"repository `{repository}` names a Helm repository that Helm's repository config "
                "(`helm repo add`, $HELM_REPOSITORY_CONFIG) does not list"
                if repository_alias(repository) is not None
                else f"repository `{repository}` is no chart repository URL"
            )
            return _unavailable(chart, dependency, where, reason, SOURCE_FIX)
        wanted = _wanted(chart, dependency)
        if wanted is None:
            reason = "it has no `version`, and `helm dependency build` needs a version or a constraint"
            return _unavailable(chart, dependency, where, reason, VERSION_FIX)
        if self.fetcher is None:
            return _unavailable(chart, dependency, where, "chart fetching is off")
        result = self.fetcher.fetch(source, wanted)
        if not isinstance(result, Fetched):
            return _unavailable(chart, dependency, where, result.reason)
        key, data = self.fetched_archive(result)
        subchart = Subchart(
            dependency.scope,
            dependency.name,
            result.version,
            "fetched",
            where,
            f"{dependency.name} {result.version} from {source.describe()}",
            key,
        )
        return Included(f"charts/{dependency.name}-{result.version}.tgz", data, subchart)

    def _local(self, chart: Chart, dependency: Dependency, where: Location, path: str) -> Included | Problem:
        """A `file://` dependency as `helm dependency build` packs it: that chart directory as it
        is committed (its own dependencies are not built: helm#2247), if it is the chart the
        entry names, at a version the entry allows."""
        directory = inside_repo(chart.dir, path)
        local = self.chart(directory) if directory is not None else None
        if local is None:
            why = "it leaves the repository" if directory is None else f"`{directory}` holds no loadable chart"
            return _unavailable(chart, dependency, where, f"`file://{path}`: {why}", LOCAL_FIX)
        if local.name != dependency.name:
            why = f"`file://{path}`: `{local.dir}` is chart `{local.name}`, not `{dependency.name}`"
            return _unavailable(chart, dependency, where, why, LOCAL_FIX)
        version = str(local.version or "")
        wanted, have = _wanted(chart, dependency), coerce(version)
        constraint = parse_constraint(wanted) if wanted is not None else None
        if constraint is None or have is None or not constraint.matches(have):
            why = f"`file://{path}` holds `{local.name}` {version or '(no version)'}, which " + (
                f"`{wanted}` does not allow" if wanted is not None else "an entry without `version` cannot match"
            )
            return _unavailable(chart, dependency, where, why, LOCAL_FIX if wanted is not None else VERSION_FIX)
        packed = self.committed(local, as_dependency_of=chart)
        key = f"local:{local.dir}"
        self.sources.register(key, packed.archive)
        subchart = Subchart(
            dependency.scope, dependency.name, version, "local", where, f"{dependency.name} from {local.dir}", key
        )
        return Included(f"charts/{dependency.name}-{version}.tgz", packed.archive, subchart, packed.problems)

    def committed(self, chart: Chart, as_dependency_of: Chart) -> Packed:
        """`chart` with only what is committed in it, as a `file://` dependency reaches Helm;
        each dependency it would need built is reported (Argo CD renders without it)."""
        key = f"committed:{chart.dir}<-{as_dependency_of.dir}"  # the problems name the parent
        if key not in self._packed:
            subcharts, problems = [], []
            for dependency in chart.dependencies:
                where = chart.chart_doc.location(("dependencies", dependency.index))
                if dependency.scope in chart.vendored:
                    subcharts.append(_committed_subchart(dependency, where))
                    continue
                reason = (
                    f"`{chart.dir}` is a `file://` dependency of `{as_dependency_of.dir or '.'}`, and Helm packs "
                    "such a chart as it is committed, without building its dependencies"
                )
                problems.append(_unavailable(chart, dependency, where, reason, NESTED_FIX))
            digest = content_digest(self.sources.files, chart.dir, {})
            build = functools.partial(self.sources.archive, chart.dir, {})
            self._packed[key] = Packed(digest, tuple(subcharts), tuple(problems), build)
        return self._packed[key]


def _file_path(dependency: Dependency) -> str | None:
    """The path a `file://` dependency names, as written (None: no `file://` dependency)."""
    repository = (dependency.repository or "").strip()
    return repository[len("file://") :] if repository.startswith("file://") else None


def _local_target(chart: Chart, dependency: Dependency) -> str | None:
    """The repository directory a `file://` dependency names (None: not one, or outside)."""
    path = _file_path(dependency)
    return inside_repo(chart.dir, path) if path is not None else None


def _wanted(chart: Chart, dependency: Dependency) -> str | None:
    """The version Helm would fetch: Chart.lock's pin when the lock is in sync with Chart.yaml
    (by Helm's digest; where that cannot be told, when the entry agrees), else the constraint as
    written (dependency build refuses an out-of-sync lock; CH004 reports that). None: Helm has
    no version to go by (an empty or missing `version`)."""
    pair = chart.lock_entry(dependency)
    if pair is not None:
        entry = pair[1]
        pinned = str(entry.get("version") or "")
        in_sync = chart.lock_digest_matches()
        if in_sync is None:
            same_repository = str(entry.get("repository") or "").rstrip("/") == (dependency.repository or "").rstrip(
                "/"
            )
            version, constraint = coerce(pinned), parse_constraint(dependency.version or "")
            in_sync = same_repository and version is not None and constraint is not None and constraint.matches(version)
        if in_sync and pinned:
            return pinned
    return dependency.version or None


def _committed_subchart(dependency: Dependency, where: Location) -> Subchart:
    describe = f"{dependency.name} (committed under charts/)"
    return Subchart(dependency.scope, dependency.name, dependency.version or "", "vendored", where, describe)


def _unavailable(chart: Chart, dependency: Dependency, where: Location, reason: str, fix: str = FETCH_FIX) -> Problem:
    repo = dependency.repository or "(none)"
    return unavailable(dependency.name, dependency.version, repo, f"chart `{chart.dir or '.'}`", reason, where, fix)


def unavailable(
    chart: str, version: str | None, repo: str, parent: str, reason: str, where: Location, fix: str = FETCH_FIX
) -> Problem:
    """LD010: a chart that cannot be had, for `parent` (a chart, an Application); `fix`: how."""
    fields = {"chart": chart, "version": version or "latest", "repo": repo, "parent": parent, "reason": reason}
    return Problem("LD010", where, {**fields, "fix": fix})


def archive_members(
    data: bytes, wanted: Callable[[str], bool] | None = None, budget: Budget | None = None, depth: int = 0
) -> dict[str, bytes]:
    """Regular files of an archive (a fetched chart's Chart.yaml, values and crds/), those
    `wanted` only; nothing from an archive that would unpack to more than Helm allows. With a
    `budget` (for going through nested archives too), ArchiveBomb once it runs out."""
    out: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            listed = tar.getmembers()
            if budget is not None:
                budget.open(listed, depth)
            if sum(m.size for m in listed if m.isfile()) > MAX_EXPANDED_BYTES:
                return {}
            for member in listed:
                if wanted is not None and not wanted(member.name):
                    continue
                if member.isfile() and member.size < 5 * 1024 * 1024:
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        out[member.name] = extracted.read()
    except (tarfile.TarError, OSError, EOFError):
        return {}
    return out
