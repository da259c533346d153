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

MAX_DEPTH = 5  # file:// dependencies of file:// dependencies


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

    @property
    def archive(self) -> bytes:
        if self._archive is None:
            self._archive = self.build()
        return self._archive

    @staticmethod
    def of(archive: bytes, subcharts: tuple[Subchart, ...] = ()) -> Packed:
        return Packed(sha256(archive), subcharts, (), lambda: archive, archive)

    def subchart(self, scope: str) -> Subchart | None:
        return next((s for s in self.subcharts if s.scope == scope), None)


ChartLookup = Callable[[str], Chart | None]


@dataclass
class Packager:
    sources: TemplateSources
    chart: ChartLookup
    fetcher: Fetcher | None  # None: dependencies are never fetched (only what is committed renders)
    mirrors: tuple[Mirror, ...] = ()
    _packed: dict[str, Packed] = field(default_factory=dict)
    _sanitized: dict[str, bytes] = field(default_factory=dict)  # fetched archive digest → it, made safe

    def pack(self, chart: Chart, depth: int = 0) -> Packed:
        if chart.dir not in self._packed:
            self._packed[chart.dir] = self._pack(chart, depth)
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
        """What `fetch_all` should download for these charts' dependencies (to do it in parallel)."""
        out: list[tuple[ChartSource, str | None]] = []
        for chart in charts:
            for dependency in chart.dependencies:
                if dependency.scope in chart.vendored:
                    continue
                source = chart_source(dependency.repository or "", dependency.name, self.mirrors, self._names())
                wanted = _wanted(chart, dependency)
                if source is not None and wanted is not None:
                    out.append((source, wanted))
        return out

    def _pack(self, chart: Chart, depth: int) -> Packed:
        extra: dict[str, bytes] = {}
        subcharts: list[Subchart] = []
        problems: list[Problem] = []
        for dependency in chart.dependencies:
            where = chart.chart_doc.location(("dependencies", dependency.index))
            if dependency.scope in chart.vendored:
                subcharts.append(
                    Subchart(
                        dependency.scope,
                        dependency.name,
                        dependency.version or "",
                        "vendored",
                        where,
                        f"{dependency.name} (committed under charts/)",
                    )
                )
                continue
            included = self._dependency(chart, dependency, where, depth)
            if isinstance(included, Problem):
                problems.append(included)
                continue
            member, data, subchart = included
            extra.setdefault(member, data)
            subcharts.append(subchart)
        digest = content_digest(self.sources.files, chart.dir, extra)
        return Packed(digest, tuple(subcharts), tuple(problems), lambda: self.sources.archive(chart.dir, extra))

    def _dependency(
        self, chart: Chart, dependency: Dependency, where: Location, depth: int
    ) -> tuple[str, bytes, Subchart] | Problem:
        repository = (dependency.repository or "").strip()
        if repository.startswith("file://"):
            return self._local(chart, dependency, where, repository[len("file://") :], depth)
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
            return _unavailable(chart, dependency, where, reason)
        wanted = _wanted(chart, dependency)
        if wanted is None:
            reason = "it has no `version`, and `helm dependency build` needs a version or a constraint"
            return _unavailable(chart, dependency, where, reason)
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
        return f"charts/{dependency.name}-{result.version}.tgz", data, subchart

    def _local(
        self, chart: Chart, dependency: Dependency, where: Location, path: str, depth: int
    ) -> tuple[str, bytes, Subchart] | Problem:
        directory = inside_repo(chart.dir, path)
        local = self.chart(directory) if directory is not None and depth < MAX_DEPTH else None
        if local is None:
            why = "it leaves the repository" if directory is None else f"`{directory}` holds no loadable chart"
            return _unavailable(chart, dependency, where, f"`file://{path}`: {why}")
        packed = self.pack(local, depth + 1)
        version = str(local.version or "0.0.0")
        key = f"local:{local.dir}"
        self.sources.register(key, packed.archive)
        subchart = Subchart(
            dependency.scope, dependency.name, version, "local", where, f"{dependency.name} from {local.dir}", key
        )
        return f"charts/{dependency.name}-{version}.tgz", packed.archive, subchart


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


def _unavailable(chart: Chart, dependency: Dependency, where: Location, reason: str) -> Problem:
    repo = dependency.repository or "(none)"
    return unavailable(dependency.name, dependency.version, repo, f"chart `{chart.dir or '.'}`", reason, where)


def unavailable(chart: str, version: str | None, repo: str, parent: str, reason: str, where: Location) -> Problem:
    """LD010: a chart that cannot be had, for `parent` (a chart, an Application)."""
    fields = {"chart": chart, "version": version or "latest", "repo": repo, "parent": parent, "reason": reason}
    return Problem("LD010", where, fields)


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
