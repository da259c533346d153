"""Render one chart for one release with real Helm (helm_python, in process, no helm binary).

Dependencies that are not vendored under charts/ are absent: the wrapper's own templates render.
Nothing touches the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...model import Chart, Location, Problem, Template, ValuesLayer, YamlDoc
from ...model.values import merge_all
from ..files import RepoFiles, posix_join
from ..yaml import parse_documents
from .align import remap
from .archive import TemplateSources
from .engine import EngineError, render_archive

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


def render_release(
    files: RepoFiles,
    sources: TemplateSources,
    chart: Chart,
    user_layers: tuple[ValuesLayer, ...],
    release_name: str,
    namespace: str,
    *,
    kube_version: str | None = None,
    api_versions: tuple[str, ...] = (),
) -> tuple[list[RenderedFile], list[Problem]]:
    """Render one chart for one release. A chart Helm cannot load is LD005, a failing template LD004."""
    templates = {t.path: t for t in chart.templates}
    values = _json_safe(merge_all(layer.data for layer in user_layers))
    try:
        manifests = render_archive(
            sources.archive(chart.dir),
            values,
            release=release_name,
            namespace=namespace,
            kube_version=kube_version,
            api_versions=api_versions,
        )
    except EngineError as exc:
        if exc.loading:
            reason = " ".join(str(exc).split())[:300]
            return [], [
                Problem("LD005", chart.chart_doc.location(), {"reason": f"Helm cannot load the chart: {reason}"})
            ]
        return [], [_render_problem(chart.dir, str(exc))]
    rendered: list[RenderedFile] = []
    problems: list[Problem] = []
    for key in sorted(manifests):
        text = manifests[key]
        name = key.rsplit("/", 1)[-1]
        if name.startswith("_") or name == "NOTES.txt" or not text.strip():
            continue
        path, from_archive = _repo_path(files, chart, key)
        template = templates.get(path) or _template(files, sources, path, from_archive, key)
        docs, parse_problems = parse_documents(text, path)
        for problem in parse_problems:  # rendered output that is not YAML: blame the template
            why = problem.fields.get("reason", "unparsable")
            problems.append(Problem("LD004", Location(path, 1, 1), {"reason": f"renders invalid YAML ({why})"}))
        rendered.append(RenderedFile(template, remap(docs, template.source), from_archive, _subcharts(key)))
    return rendered, problems


def _subcharts(key: str) -> tuple[str, ...]:
    """`parent/charts/a/charts/b/templates/x.yaml` → ("a", "b")."""
    parts = key.split("/")
    return tuple(parts[i + 1] for i, part in enumerate(parts[:-1]) if part == "charts" and i % 2 == 1)


def _template(files: RepoFiles, sources: TemplateSources, path: str, from_archive: bool, key: str) -> Template:
    """A template outside the chart's own templates/: an unpacked subchart's, or one in a .tgz."""
    source = sources.source(path, key) if from_archive else (files.read_text(path) or "")
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


def _repo_path(files: RepoFiles, chart: Chart, key: str) -> tuple[str, bool]:
    """Helm's `<chart>/templates/x.yaml` or `<chart>/charts/<sub>/templates/x.yaml` → repo path.

    For a subchart vendored as a .tgz the path is the archive's; `<sub>` may be an alias.
    """
    inner = key.split("/", 1)[1] if "/" in key else key
    path = posix_join(chart.dir, inner)
    if files.exists(path):
        return path, False
    if inner.startswith("charts/"):
        sub = inner.split("/")[1]
        names = {sub} | {d.name for d in chart.dependencies if d.alias == sub}
        for candidate in files.under(posix_join(chart.dir, "charts")):
            base = candidate.rsplit("/", 1)[-1]
            if candidate.endswith(".tgz") and any(base.startswith(name + "-") for name in names):
                return candidate, True
    return path, True


def _render_problem(chart_dir: str, detail: str) -> Problem:
    first, _, rest = detail.partition("\n")
    match = _EXECUTION_ERROR.search(detail) or _ERROR_AT.match(first.strip())
    if match and match.re is _EXECUTION_ERROR:
        rest = ""
    if match and "/" in match.group("file"):
        inner = match.group("file").split("/", 1)[1]
        reason = " ".join((match.group("rest") + " " + rest).split())
        location = Location(posix_join(chart_dir, inner), int(match.group("line")), int(match.group("col") or 1))
    else:
        reason = " ".join(detail.split())
        location = Location(posix_join(chart_dir, "Chart.yaml"))
    reason = re.sub(r'executing "[^"]+" at ', "at ", reason)
    return Problem("LD004", location, {"reason": reason[:300]})
