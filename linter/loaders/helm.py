"""Render charts with real Helm (helm_python, in process) and trace rendered lines to templates.

Helm's own directory loader follows symbolic links anywhere on disk, so charts are handed to
Helm as in-memory archives built from files RepoFiles has vetted (links inside the repo only).
Dependencies that are not vendored under charts/ are simply absent: the wrapper's own templates
render. Nothing touches the network and no helm binary runs.
"""

from __future__ import annotations

import bisect
import io
import re
import tarfile
from dataclasses import dataclass
from typing import Any, Iterable

from ..globs import helmignored
from ..model import Chart, Location, Problem, Template, ValuesLayer, YamlDoc
from ..templates import scan, strip_actions
from .files import RepoFiles, posix_join
from .yaml import parse_documents

_ERROR_AT = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+)(?::(?P<col>\d+))?:?\s*(?P<rest>.*)$", re.S)
# `required`/`fail`: "execution error at (chart/templates/x.yaml:6:11): message"
_EXECUTION_ERROR = re.compile(r"execution error at \((?P<file>[^\s():]+):(?P<line>\d+):(?P<col>\d+)\):\s*(?P<rest>.*)", re.S)
_KEY = re.compile(r"^(-\s+)?([^\s:#][^:#]*?):(\s|$)")


@dataclass(frozen=True)
class RenderedFile:
    template: Template
    docs: list[YamlDoc]
    from_archive: bool
    subcharts: tuple[str, ...] = ()  # chart names from the parent down, for a subchart's template


def build_archive(files: RepoFiles, chart_dir: str) -> bytes:
    """A .tgz of the chart's files that Helm may see: .helmignore applied, no outside links."""
    ignore = helmignore_patterns(files, chart_dir)
    top = chart_dir.rsplit("/", 1)[-1] or "chart"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for rel in files.under(chart_dir):
            inner = rel[len(chart_dir) + 1:]
            if helmignored(inner, ignore):
                continue
            data = files.read_bytes(rel)
            if data is None:
                continue
            info = tarfile.TarInfo(f"{top}/{inner}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def helmignore_patterns(files: RepoFiles, chart_dir: str) -> list[str]:
    text = files.read_text(posix_join(chart_dir, ".helmignore")) if files.exists(posix_join(chart_dir, ".helmignore")) else None
    patterns = [".helmignore"]
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    return patterns


def merge_values(layers: Iterable[ValuesLayer]) -> dict[str, Any]:
    """Deep-merge value layers in order (later wins), as Helm merges several -f files."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = _merge(merged, layer.data)
    return merged


def _merge(base: dict[str, Any], override: Any) -> dict[str, Any]:
    if not isinstance(override, dict):
        return base
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def render_chart(
    files: RepoFiles,
    chart_handle: Any,
    chart: Chart,
    user_layers: tuple[ValuesLayer, ...],
    release_name: str,
    namespace: str,
) -> tuple[list[RenderedFile], list[Problem]]:
    """Render one chart for one release. A failing template becomes an LD004 problem."""
    import helm_python

    chart_dir = chart.dir
    templates = {t.path: t for t in chart.templates}
    values = _json_safe(merge_values(user_layers))
    try:
        manifests = chart_handle.render(values, name=release_name, namespace=namespace, is_install=True)
    except helm_python.HelmError as exc:
        return [], [_render_problem(chart_dir, chart_handle, exc)]
    rendered: list[RenderedFile] = []
    problems: list[Problem] = []
    for key in sorted(manifests):
        text = manifests[key]
        name = key.rsplit("/", 1)[-1]
        if name.startswith("_") or name == "NOTES.txt" or not text.strip():
            continue
        path, from_archive = _repo_path(files, chart, key)
        template = templates.get(path) or _template(files, path, from_archive, key)
        source = template.source
        docs, parse_problems = parse_documents(text, path)
        for problem in parse_problems:  # rendered output that is not YAML: blame the template
            problems.append(Problem("LD004", Location(path, 1, 1), {"reason": f"renders invalid YAML ({problem.fields.get('reason', 'unparsable')})"}))
        line_map = align(text, source) if source else None
        docs = [_remap(doc, line_map, source) for doc in docs]
        rendered.append(RenderedFile(template, docs, from_archive, _subcharts(key)))
    return rendered, problems


def _subcharts(key: str) -> tuple[str, ...]:
    """`parent/charts/a/charts/b/templates/x.yaml` → ("a", "b")."""
    parts = key.split("/")
    return tuple(parts[i + 1] for i, part in enumerate(parts[:-1]) if part == "charts" and i % 2 == 1)


def _template(files: RepoFiles, path: str, from_archive: bool, key: str) -> Template:
    """A template outside the chart's own templates/: an unpacked subchart's, or one in a .tgz."""
    source = _archive_template(files, path, key) if from_archive else (files.read_text(path) or "")
    return Template(path, source, scan(source) if source else {})


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
        names = {sub} | {str(d.get("name")) for d in chart.dependencies if d.get("alias") == sub}
        for candidate in files.under(posix_join(chart.dir, "charts")):
            base = candidate.rsplit("/", 1)[-1]
            if candidate.endswith(".tgz") and any(base.startswith(name + "-") for name in names):
                return candidate, True
    return path, True


def _archive_template(files: RepoFiles, archive: str, key: str) -> str:
    """The source of a subchart template inside a vendored .tgz ("" when it cannot be read)."""
    raw = files.read_bytes(archive)
    if raw is None:
        return ""
    wanted = "/templates/" + key.split("/templates/", 1)[-1]
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.endswith(wanted) and member.name.count("/templates/") == 1 and member.size < 1_000_000:
                    extracted = tar.extractfile(member)
                    return extracted.read().decode("utf-8", "replace") if extracted else ""
    except (tarfile.TarError, OSError, EOFError):
        return ""
    return ""


def _render_problem(chart_dir: str, chart_handle: Any, exc: Any) -> Problem:
    detail = str(getattr(exc, "detail", None) or exc)
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


def _normalise(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith("---"):
        return "---"
    match = _KEY.match(stripped)
    if match:
        return (match.group(1) or "").strip() + match.group(2).strip() + ":"
    return stripped


def align(rendered: str, source: str) -> list[int]:
    """For each rendered line (0-based), the 1-based template line it most likely came from.

    Lines are compared by their key ("storageClass:"), since values differ. Scanning forward keeps
    the order of the template; wrapping back to the first occurrence follows `range` loops.
    Lines a template action produced (toYaml output) inherit the last matched line.
    """
    index: dict[str, list[int]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        key = _normalise(strip_actions(line))
        if key:
            index.setdefault(key, []).append(number)
    result: list[int] = []
    previous = 0
    for line in rendered.splitlines():
        candidates = index.get(_normalise(line))
        if candidates:
            at = bisect.bisect_left(candidates, previous)
            previous = candidates[at] if at < len(candidates) else candidates[0]
        result.append(previous)
    return result


def _remap(doc: YamlDoc, line_map: list[int] | None, source: str) -> YamlDoc:
    """Rewrite a rendered document's positions into template lines (or line 1 of an archive)."""
    if line_map is None:
        return YamlDoc(doc.path, doc.index, doc.data, {k: (1, 1) for k in doc.positions}, 1)
    lines = source.splitlines()

    def target(line: int) -> tuple[int, int]:
        mapped = line_map[line - 1] if 0 < line <= len(line_map) else 0
        if not mapped:
            return (1, 1)
        text = lines[mapped - 1]
        return (mapped, len(text) - len(text.lstrip()) + 1)

    positions = {path: target(line) for path, (line, _col) in doc.positions.items()}
    return YamlDoc(doc.path, doc.index, doc.data, positions, target(doc.start_line)[0])
