"""Render one chart for one release with real Helm (helm_python, no helm binary), as
`helm template --include-crds` does on Argo CD's repo-server: the packed archive (package.py,
with every dependency that could be had), the release's values, its Capabilities.

Where the rendered objects point:
- templates of the chart, of a committed subchart and of a `file://` one: their template lines;
- templates of a fetched chart: they are in no repo file, so the objects point at the line that
  selects the chart (the Chart.yaml dependency, the Application's `chart:`); provenance still
  reads their template lines (RenderedFile.traces) to find the values line that set a field.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ... import __version__
from ...core.sensitive import credential_values, mask
from ...model import Chart, Location, Problem, Template, ValuesLayer, YamlDoc, get_path
from ...model.values import merge_all
from ...model.yamldoc import KnownPositions, pack
from ..files import RepoFiles, posix_join
from ..yaml import ParseStore, parse_cached
from .align import remap
from .archive import TemplateSources
from .engine import EngineError, Render, helm_version, render_chart
from .manifests import as_helm_cuts
from .package import Packed, Subchart, archive_members
from .sanitize import ArchiveBomb, Budget, without_members, without_schemas

_ERROR_AT = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+)(?::(?P<col>\d+))?:?\s*(?P<rest>.*)$", re.S)
# `required`/`fail`: "execution error at (chart/templates/x.yaml:6:11): message"
_EXECUTION_ERROR = re.compile(
    r"execution error at \((?P<file>[^\s():]+):(?P<line>\d+):(?P<col>\d+)\):\s*(?P<rest>.*)", re.S
)


@dataclass(frozen=True)
class RenderedFile:
    template: Template
    docs: list[YamlDoc]
    from_archive: bool
    subcharts: tuple[str, ...] = ()  # subchart names (aliases) from the parent down, for a subchart's template
    traces: list[YamlDoc] | None = None  # the same documents with template-line positions, when `docs` point elsewhere
    upstream: Subchart | None = None  # the fetched chart the template belongs to

    def trace(self, doc: YamlDoc) -> YamlDoc | None:
        """The template-line twin of one of `docs` (None when `docs` already have those positions)."""
        if self.traces is None:
            return None
        return next((t for t in self.traces if t.index == doc.index and t.data is doc.data), None)


@dataclass(frozen=True)
class Rendered:
    files: list[RenderedFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    crds: list[YamlDoc] = field(default_factory=list)  # the charts' crds/ files, as objects


@dataclass(frozen=True)
class ReleaseInput:
    """What one release is rendered with."""

    name: str
    namespace: str
    values: tuple[ValuesLayer, ...]  # the Application's layers (the chart's own values.yaml is Helm's)
    kube_version: str | None = None
    api_versions: tuple[str, ...] = ()
    skip_crds: bool = False
    selected_at: Location | None = None  # for a remote chart: the Application line that names it
    chart_values: ValuesLayer | None = None  # the chart's values.yaml, for pointing at its lines only
    skip_schema_validation: bool = False  # Helm's --skip-schema-validation: no values.schema.json applies


def render_release(
    files: RepoFiles,
    sources: TemplateSources,
    chart: Chart,
    packed: Packed,
    release: ReleaseInput,
    cache: ParseStore | None = None,
) -> Rendered:
    """Render one chart for one release. A chart Helm cannot load is LD005, a failing template LD004."""
    values = _json_safe(merge_all(layer.data for layer in release.values))
    try:
        result = _render_without_lost_helpers(chart, packed, values, release, cache)
    except EngineError as exc:
        # Helm quotes values in its messages: never a credential's (core/sensitive.py)
        chart_values = release.chart_values.data if release.chart_values is not None else None
        detail = mask(str(exc), credential_values(values, chart_values))
        if exc.loading:
            reason = " ".join(detail.split())[:300]
            return Rendered(
                problems=[
                    Problem("LD005", _chart_line(chart, release), {"reason": f"Helm cannot load the chart: {reason}"})
                ]
            )
        schema = _schema_problems(chart, release, detail)
        return Rendered(problems=schema or [_render_problem(chart, packed, release, detail)])
    templates = {t.path: t for t in chart.templates}
    parse = _Parser(cache)
    out = Rendered()
    for key in sorted(result.manifests):
        text = result.manifests[key]
        name = key.rsplit("/", 1)[-1]
        if name.startswith("_") or name == "NOTES.txt" or not text.strip():
            continue
        out.files.append(
            _rendered_file(files, sources, chart, packed, release, templates, key, text, out.problems, parse)
        )
    if not release.skip_crds:
        for crd_name, text in result.crds:
            out.crds.extend(_crd_docs(files, chart, release, crd_name, text, out.problems, parse))
    return out


RENDER_FORMAT = 2  # bump when what a cached render holds changes
# the render cache's note, under the key without API versions, that this chart's output may depend on them
READS_API_VERSIONS = {"reads": "apiVersions"}


def _cached_render(packed: Packed, values: Any, release: ReleaseInput, cache: ParseStore | None) -> Render:
    """Helm's output for this archive, values, release and capabilities: from the render cache
    when everything that affects it is unchanged (errors are cached too), else rendered now.
    A chart that never looks at `.Capabilities.APIVersions` is cached without them, so a new
    CRD in the repository re-renders only the charts that could see it."""
    key = _render_key(packed, values, release, with_api_versions=False)
    cached = cache.render(key) if cache is not None else None
    marked = cached == READS_API_VERSIONS
    if marked:
        key = _render_key(packed, values, release, with_api_versions=True)
        cached = cache.render(key) if cache is not None else None
    if isinstance(cached, dict) and "error" in cached:
        raise EngineError(str(cached["error"]), loading=bool(cached.get("loading")))
    if isinstance(cached, dict) and isinstance(cached.get("manifests"), dict):
        return Render(cached["manifests"], [(str(n), str(t)) for n, t in cached.get("crds") or ()])
    if cache is not None and not marked and reads_api_versions(packed.archive, values):
        cache.store_render(key, READS_API_VERSIONS)
        key = _render_key(packed, values, release, with_api_versions=True)
    try:
        # the native renderer has no --skip-schema-validation: without schema files Helm checks nothing
        archive = without_schemas(packed.archive) if release.skip_schema_validation else packed.archive
        result = render_chart(
            archive,
            values,
            release=release.name,
            namespace=release.namespace,
            kube_version=release.kube_version,
            api_versions=release.api_versions,
        )
    except EngineError as exc:
        if cache is not None and not exc.stopped:  # a stopped render may finish with other limits
            cache.store_render(key, {"error": str(exc), "loading": exc.loading})
        raise
    if cache is not None:
        cache.store_render(key, {"manifests": result.manifests, "crds": result.crds})
    return result


# Helm's words for a call of a named template nobody defines
_UNDEFINED_TEMPLATE = re.compile(r'no template "(?P<a>[^"]+)" associated with|template "(?P<b>[^"]+)" not defined')
MAX_LEFT_OUT = 16  # templates of one chart left out for needing a dependency that could not be had


def _render_without_lost_helpers(
    chart: Chart, packed: Packed, values: Any, release: ReleaseInput, cache: ParseStore | None
) -> Render:
    """Helm's output. When a dependency could not be had (LD010 says so), a template of the chart
    that fails only for want of it is left out and the rest renders, so the wrapper's own objects
    are still seen: one that calls a named template the chart does not define (the dependency's
    helper, `include "redis.fullname"`), or that reads a value of the dependency's that only its
    defaults would set (a nil pointer in a template naming it). Any other error is LD004."""
    left_out: frozenset[str] = frozenset()
    attempt = packed
    while True:
        try:
            return _cached_render(attempt, values, release, cache)
        except EngineError as exc:
            inner = _needs_lost_dependency(chart, packed, str(exc))
            if exc.loading or inner is None or inner in left_out or len(left_out) >= MAX_LEFT_OUT:
                raise
            left_out |= {inner}
            attempt = Packed.of(without_members(packed.archive, left_out), packed.subcharts, packed.archive_key)


def _needs_lost_dependency(chart: Chart, packed: Packed, detail: str) -> str | None:
    """The path (below the chart's top directory) of the chart's own template that failed for
    want of a dependency that is not in the archive, if that is why it failed."""
    lost = {d.scope for d in chart.dependencies} - {s.scope for s in packed.subcharts}
    failing = _ERROR_AT.match(detail.partition("\n")[0].strip())
    if not lost or failing is None:
        return None
    inner = failing.group("file").partition("/")[2]
    template = next((t for t in chart.templates if t.path == posix_join(chart.dir, inner)), None)
    if template is None or not inner.startswith("templates/"):
        return None
    if undefined := _UNDEFINED_TEMPLATE.search(detail):
        name = undefined.group("a") or undefined.group("b")
        return None if any(f'define "{name}"' in t.source for t in chart.templates) else inner
    if "nil pointer evaluating" in detail and any(scope in template.source for scope in lost):
        return inner
    return None


def _render_key(packed: Packed, values: Any, release: ReleaseInput, with_api_versions: bool) -> str:
    inputs = [
        RENDER_FORMAT,
        __version__,
        helm_version(),
        packed.digest,
        values,
        release.name,
        release.namespace,
        release.kube_version,
        list(release.api_versions) if with_api_versions else None,
        release.skip_schema_validation,
    ]
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


# `.Capabilities` used for anything but its Kubernetes and Helm versions (`.Capabilities.APIVersions`,
# or the whole of it handed to a helper or to toYaml)
_CAPABILITIES = re.compile(rb"APIVersions|Capabilities(?!\.(?:KubeVersion|HelmVersion)\b)")


def reads_api_versions(archive: bytes, values: Any) -> bool:
    """Whether a chart's output could depend on `.Capabilities.APIVersions`: any file of it or
    of its subcharts (or a value, for `tpl`) mentions them. Erring towards yes only costs caching."""
    if _CAPABILITIES.search(json.dumps(values).encode()):
        return True
    try:
        return _mentions_capabilities(archive, Budget(), 0)
    except ArchiveBomb:
        return True


def _mentions_capabilities(archive: bytes, budget: Budget, depth: int) -> bool:
    members = archive_members(archive, budget=budget, depth=depth)
    if not members:  # unreadable or too large: Helm will say so; assume the worst here
        return True
    return any(
        _mentions_capabilities(data, budget, depth + 1) if name.endswith(".tgz") else bool(_CAPABILITIES.search(data))
        for name, data in members.items()
    )


def _rendered_file(
    files: RepoFiles,
    sources: TemplateSources,
    chart: Chart,
    packed: Packed,
    release: ReleaseInput,
    templates: dict[str, Template],
    key: str,
    text: str,
    problems: list[Problem],
    parse: _Parser,
) -> RenderedFile:
    text = as_helm_cuts(text)  # only templates: Helm does not cut a crds/ file
    subcharts = _subcharts(key)
    upstream = packed.subchart(subcharts[0]) if subcharts else None
    if release.selected_at is not None or (upstream is not None and upstream.origin == "fetched"):
        return _upstream_file(sources, chart, packed, release, upstream, key, text, subcharts, problems, parse)
    path, from_archive = _repo_path(files, chart, packed, key)
    template = templates.get(path) or _template(files, sources, path, from_archive, key)
    docs = parse(text, path, problems, template=template.source)
    return RenderedFile(template, remap(docs, template.source), from_archive, subcharts)


def _upstream_file(
    sources: TemplateSources,
    chart: Chart,
    packed: Packed,
    release: ReleaseInput,
    upstream: Subchart | None,
    key: str,
    text: str,
    subcharts: tuple[str, ...],
    problems: list[Problem],
    parse: _Parser,
) -> RenderedFile:
    """A template of a fetched chart: objects at the line that selects it, traces at its lines."""
    selected = release.selected_at if upstream is None else upstream.selected_at
    assert selected is not None
    if upstream is not None and upstream.archive_key:  # `parent/charts/<scope>/` + its own path
        archive, inner = upstream.archive_key, key.split("/", 3)[-1]
    else:  # the release's own chart, or a subchart packaged inside it
        archive, inner = packed.archive_key, key.split("/", 1)[-1]
    template = sources.template(selected.path, sources.source(archive, inner))
    docs = parse(text, selected.path, problems, blame=selected)
    fixed = KnownPositions({(): pack(selected.line, selected.column)}, selected.line)
    pointed = [YamlDoc(doc.path, doc.index, doc.data, fixed) for doc in docs]
    return RenderedFile(template, pointed, True, subcharts, remap(docs, template.source), upstream)


class _Parser:
    """Rendered text as documents; through the render cache, so that a warm run does not parse
    the same rendered output again (only output that parses cleanly and round-trips is kept)."""

    def __init__(self, cache: ParseStore | None) -> None:
        self.cache = cache

    def __call__(
        self, text: str, path: str, problems: list[Problem], blame: Location | None = None, template: str | None = None
    ) -> list[YamlDoc]:
        """`template`: the source `text` was rendered from, when it is not the text itself."""
        docs, parse_problems = parse_cached(text, path, self.cache)
        for problem in parse_problems:  # rendered output that is not YAML: blame the template
            if problem.rule == "LD002":  # Helm and Argo CD keep the last value of a repeated key
                if blame is None:  # in a template the user cannot edit it is no finding of theirs
                    problems.append(_at_template_line(problem, text, template))
                continue
            why = problem.fields.get("reason", "unparsable")
            reason = f"renders invalid YAML ({why})"
            problems.append(Problem("LD004", blame or Location(path, 1, 1), {"reason": reason}))
        return docs


def _at_template_line(problem: Problem, text: str, template: str | None) -> Problem:
    """A duplicate key found in rendered text, moved to the template lines that read the same
    (literal lines of the template); left where it is when none or several do."""
    if template is None:
        return problem
    rendered, source = text.splitlines(), template.splitlines()
    line = _template_line(problem.location.line, rendered, source)
    first_line = problem.fields.get("first_line")
    first = _template_line(first_line, rendered, source) if isinstance(first_line, int) else None
    if line is None or first is None:
        return problem
    return Problem(problem.rule, replace(problem.location, line=line), {**problem.fields, "first_line": first})


def _template_line(line: int, rendered: list[str], source: list[str]) -> int | None:
    if not 0 < line <= len(rendered):
        return None
    wanted = rendered[line - 1].strip()
    matches = [n for n, text in enumerate(source, 1) if text.strip() == wanted]
    return matches[0] if len(matches) == 1 else None


def _crd_docs(
    files: RepoFiles,
    chart: Chart,
    release: ReleaseInput,
    name: str,
    text: str,
    problems: list[Problem],
    parse: _Parser,
) -> list[YamlDoc]:
    """A crds/ file as objects: at its repo file when the chart's own, else at the chart's line."""
    path = posix_join(chart.dir, name)
    if release.selected_at is None and files.exists(path):
        return parse(text, path, problems)
    where = _chart_line(chart, release)
    docs = parse(text, where.path, problems, blame=where)
    fixed = KnownPositions({(): pack(where.line, where.column)}, where.line)
    return [YamlDoc(doc.path, doc.index, doc.data, fixed) for doc in docs]


def _chart_line(chart: Chart, release: ReleaseInput) -> Location:
    return release.selected_at or chart.chart_doc.location()


def _subcharts(key: str) -> tuple[str, ...]:
    """`parent/charts/a/charts/b/templates/x.yaml` → ("a", "b")."""
    parts = key.split("/")
    return tuple(parts[i + 1] for i, part in enumerate(parts[:-1]) if part == "charts" and i % 2 == 1)


def _template(files: RepoFiles, sources: TemplateSources, path: str, from_archive: bool, key: str) -> Template:
    """A template outside the chart's own templates/: an unpacked subchart's, or one in a .tgz."""
    source = sources.source(path, key.split("/", 3)[-1]) if from_archive else (files.read_text(path) or "")
    return sources.template(path, source)


def _json_safe(value: Any) -> Any:
    """Values go to Helm as JSON; dates and other YAML scalars become text."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _repo_path(files: RepoFiles, chart: Chart, packed: Packed, key: str) -> tuple[str, bool]:
    """Helm's `<chart>/templates/x.yaml` or `<chart>/charts/<sub>/templates/x.yaml` → repo path.

    A subchart committed as a .tgz gives the archive's path, a `file://` one its own directory;
    `<sub>` may be an alias.
    """
    inner = key.split("/", 1)[-1]
    path = posix_join(chart.dir, inner)
    if files.exists(path):
        return path, False
    if inner.startswith("charts/"):
        sub = inner.split("/")[1]
        local = packed.subchart(sub)
        if local is not None and local.origin == "local":
            rest = inner.split("/", 2)[2] if inner.count("/") >= 2 else ""
            candidate = posix_join(local.archive_key.removeprefix("local:"), rest)
            if files.exists(candidate):
                return candidate, False
        committed = chart.vendored_paths.get(sub)  # found by its Chart.yaml name, whatever the file
        if committed is not None and committed.endswith(".tgz"):
            return committed, True
        if committed is not None:
            rest = inner.split("/", 2)[2] if inner.count("/") >= 2 else ""
            return posix_join(committed, rest), False
        names = {sub} | {d.name for d in chart.dependencies if d.alias == sub}
        for candidate in files.under(posix_join(chart.dir, "charts")):
            base = candidate.rsplit("/", 1)[-1]
            if candidate.endswith(".tgz") and any(base.startswith(name + "-") for name in names):
                return candidate, True
    return path, True


_SCHEMA_HEADER = "values don't meet the specifications of the schema(s)"
_SCHEMA_VIOLATION = re.compile(r"^- at '(?P<path>[^']*)': (?P<message>.*)$")


def _schema_problems(chart: Chart, release: ReleaseInput, detail: str) -> list[Problem]:
    """LD011 for each value a chart's values.schema.json rejects, at the values line that set it
    (Helm then renders nothing, and neither does Argo CD)."""
    if _SCHEMA_HEADER not in detail:
        return []
    problems: list[Problem] = []
    scope: tuple[str, ...] = ()
    for line in detail.splitlines()[1:]:
        violation = _SCHEMA_VIOLATION.match(line.strip())
        if violation is None:
            name = line.strip().rstrip(":")
            scope = () if name in (chart.name, "") else tuple(name.split("."))
            continue
        steps = tuple(int(p) if p.isdigit() else p for p in violation.group("path").strip("/").split("/") if p)
        vpath = (*scope, *steps)
        layers = ((release.chart_values,) if release.chart_values else ()) + release.values
        where = _setter(layers, vpath) or _chart_line(chart, release)
        shown = ".".join(str(p) for p in vpath) or "(the values)"
        fields = {"chart": "/".join((chart.name, *scope)), "key": shown, "reason": violation.group("message")}
        problems.append(Problem("LD011", where, fields))
    return problems


def _setter(layers: tuple[ValuesLayer, ...], vpath: tuple[str | int, ...]) -> Location | None:
    """Where the highest-precedence layer that sets `vpath` (or its nearest parent) sets it."""
    for cut in range(len(vpath), 0, -1):
        for layer in reversed(layers):
            if get_path(layer.data, vpath[:cut], _MISSING) is not _MISSING:
                return layer.locate(vpath[:cut])
    return None


_MISSING = object()


def _render_problem(chart: Chart, packed: Packed, release: ReleaseInput, detail: str) -> Problem:
    first, _, rest = detail.partition("\n")
    match = _EXECUTION_ERROR.search(detail) or _ERROR_AT.match(first.strip())
    if match and match.re is _EXECUTION_ERROR:
        rest = ""
    location = _chart_line(chart, release)
    if match and "/" in match.group("file"):
        inner = match.group("file").split("/", 1)[1]
        reason = " ".join((match.group("rest") + " " + rest).split())
        subcharts = _subcharts(match.group("file"))
        upstream = packed.subchart(subcharts[0]) if subcharts else None
        if release.selected_at is not None:
            reason = f"the chart's template {inner}: {reason}"
        elif upstream is not None and upstream.origin == "fetched":
            location, reason = upstream.selected_at, f"{upstream.describe}, {inner.split('/', 2)[-1]}: {reason}"
        else:
            location = Location(posix_join(chart.dir, inner), int(match.group("line")), int(match.group("col") or 1))
    else:
        reason = " ".join(detail.split())
    reason = re.sub(r'executing "[^"]+" at ', "at ", reason)
    return Problem("LD004", location, {"reason": reason[:300]})
