"""Helm charts in the repository: Chart.yaml, its dependencies, values.yaml, templates.

Every directory with a Chart.yaml under the config's chart roots (default: the whole repository)
is a chart, except an unpacked subchart (`<chart>/charts/<sub>`), which renders with its parent;
a chart an Application deploys from elsewhere is loaded when first needed.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Chart, Config, Dependency, Location, Problem, ValuesPath, YamlDoc
from ..model.shapes import as_list
from ..model.yamldoc import KnownPositions, pack
from .files import RepoFiles, posix_join
from .helm.archive import TemplateSources, helmignore_patterns
from .helm.package import archive_members
from .helm.templates import all_paths
from .yaml import parse_cached, parse_documents


def chart_dirs(files: RepoFiles) -> set[str]:
    """Every directory holding a Chart.yaml (subcharts included)."""
    return {
        rel.rsplit("/", 1)[0] if "/" in rel else ""
        for rel in files.files
        if rel == "Chart.yaml" or rel.endswith("/Chart.yaml")
    }


def in_chart(rel: str, dirs: set[str]) -> bool:
    """Is `rel` inside a chart directory (a template, values file, vendored archive)?"""
    parts = rel.split("/")
    return any("/".join(parts[:i]) in dirs for i in range(0 if "" in dirs else 1, len(parts)))


def in_chart_templates(rel: str, dirs: set[str]) -> bool:
    """Is `rel` a chart's template or vendored subchart (text Helm renders, not YAML)? Other files
    of a chart directory are plain YAML: values, and often the Application that deploys it."""
    parts = rel.split("/")
    return any(
        parts[i] in ("templates", "charts") and "/".join(parts[:i]) in dirs
        for i in range(0 if "" in dirs else 1, len(parts) - 1)
    )


def load_charts(files: RepoFiles, config: Config, sources: TemplateSources) -> tuple[list[Chart], list[Problem]]:
    charts: list[Chart] = []
    problems: list[Problem] = []
    chart_dirs = [
        rel.rsplit("/", 1)[0]
        for rel in files.files
        if rel.endswith("/Chart.yaml") and any(rel.startswith(root + "/") or not root for root in config.chart_roots)
    ]
    known = set(chart_dirs)
    for chart_dir in chart_dirs:
        if _inside_another_chart(chart_dir, known):
            continue  # an unpacked subchart renders as part of its parent
        chart, chart_problems = load_chart(files, chart_dir, sources)
        problems += chart_problems
        if chart is not None:
            charts.append(chart)
    return charts, problems


def _inside_another_chart(chart_dir: str, chart_dirs: set[str]) -> bool:
    """`parent/charts/sub` is a subchart when `parent` is a chart too."""
    parts = chart_dir.split("/")
    return any(part == "charts" and "/".join(parts[:i]) in chart_dirs for i, part in enumerate(parts) if i)


def load_chart(files: RepoFiles, chart_dir: str, sources: TemplateSources) -> tuple[Chart | None, list[Problem]]:
    chart_path = posix_join(chart_dir, "Chart.yaml")
    docs = files.yaml(chart_path)
    if not docs:
        text = files.read_text(chart_path)
        if text is not None and not text.strip():
            return None, [Problem("LD005", Location(chart_path), {"reason": "Chart.yaml is empty"})]
        return None, []  # unparsable or unreadable: LD001/LD003 is already recorded
    meta = docs[0].data
    if not isinstance(meta, dict):
        return None, [Problem("LD005", Location(chart_path), {"reason": "Chart.yaml is not a mapping"})]
    problems: list[Problem] = []
    unloadable = False
    for key in ("name", "version"):
        if meta.get(key) in (None, ""):
            unloadable = True
            reason = f"Chart.yaml has no `{key}`, so Helm cannot load the chart"
            problems.append(Problem("LD005", docs[0].location(), {"reason": reason}))
    values_doc, values_ok, values_problems = _values_doc(files, chart_dir)
    problems += values_problems
    dependencies = _dependencies(meta)
    templates = tuple(
        sources.template(rel, text)
        for rel in files.under(posix_join(chart_dir, "templates"))
        if (text := files.read_text(rel)) is not None
    )
    lock_path = posix_join(chart_dir, "Chart.lock")
    lock_docs = files.yaml(lock_path) if files.exists(lock_path) else []
    vendored, vendored_paths = _vendored(files, chart_dir, dependencies)
    chart = Chart(
        chart_dir,
        str(meta.get("name") or chart_dir.rsplit("/", 1)[-1]),
        meta.get("version"),
        docs[0],
        values_doc,
        dependencies,
        vendored,
        templates,
        values_ok,
        lock_docs[0] if lock_docs else None,
        tuple(helmignore_patterns(files, chart_dir)),
        vendored_paths=vendored_paths,
    )
    return (None if unloadable else chart), problems


def _values_doc(files: RepoFiles, chart_dir: str) -> tuple[YamlDoc | None, bool, list[Problem]]:
    """The chart's values.yaml: the document, whether Helm can read it, and its problems."""
    values_path = posix_join(chart_dir, "values.yaml")
    if not files.exists(values_path):
        return None, True, []
    values_docs = files.yaml(values_path)
    if values_docs and values_docs[0].data is not None and not isinstance(values_docs[0].data, dict):
        reason = "values.yaml is not a mapping of keys to values"
        return None, False, [Problem("LD005", values_docs[0].location(), {"reason": reason})]
    if values_docs:
        return values_docs[0], True, []
    text = files.read_text(values_path)
    unreadable = text is None or (bool(text.strip()) and not _only_comments(text))
    return None, not unreadable, []  # an unreadable or unparsable file already has LD001/LD003


def _dependencies(meta: dict[str, object]) -> tuple[Dependency, ...]:
    out = []
    for index, entry in enumerate(as_list(meta.get("dependencies"))):
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        tags = tuple(str(t) for t in as_list(entry.get("tags")))
        out.append(
            Dependency(
                str(entry["name"]),
                _text(entry.get("version")),
                _text(entry.get("repository")),
                _text(entry.get("alias")),
                _text(entry.get("condition")),
                tags,
                index,
                entry,
            )
        )
    return tuple(out)


def _text(value: object) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") or line.strip() == "---" for line in text.splitlines())


def _vendored(
    files: RepoFiles, chart_dir: str, dependencies: tuple[Dependency, ...]
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Dependencies committed under charts/: by scope, the version each holds and its repo path
    (a directory or an archive). As Helm loads them, every directory and `.tgz` there is a chart
    known by the `name` in its Chart.yaml, whatever the file is called (`sub-ext-1.0.0.tgz` holds
    `sub-ext`, not `sub`); names starting with `_` or `.` are skipped."""
    charts = posix_join(chart_dir, "charts")
    depth = len(charts.split("/")) if charts else 0
    paths = [p.split("/") for p in files.under(charts)]
    directories = {parts[depth] for parts in paths if len(parts) > depth + 1}
    held: dict[str, tuple[str | None, str]] = {}
    for entry in sorted({parts[depth] for parts in paths}):
        if entry.startswith(("_", ".")) or not (entry in directories or entry.endswith(".tgz")):
            continue
        meta = _committed_meta(files, posix_join(charts, entry))
        name = meta.get("name") if meta is not None else None
        if not isinstance(name, str) or not name:
            if entry not in directories:
                continue  # an archive Helm cannot read: it fails to load the chart (LD004 then)
            name = entry  # a directory with a broken Chart.yaml: as good as present, version unknown
        version = meta.get("version") if meta is not None else None
        held.setdefault(name, (str(version) if version is not None else None, posix_join(charts, entry)))
    present = [dep for dep in dependencies if dep.name in held]
    return {dep.scope: held[dep.name][0] for dep in present}, {dep.scope: held[dep.name][1] for dep in present}


def _committed_meta(files: RepoFiles, path: str) -> dict[str, object] | None:
    """The Chart.yaml of a committed subchart (a directory or an archive), when readable."""
    if not path.endswith(".tgz"):
        docs = files.yaml(posix_join(path, "Chart.yaml"), used=False)
        meta = docs[0].data if docs else None
    else:
        meta = _archive_meta(files.read_bytes(path) or b"", path)
    return meta if isinstance(meta, dict) else None


def _archive_meta(data: bytes, path: str) -> dict[str, object] | None:
    """The Chart.yaml at the top of a chart archive, when readable (`path` names it in problems)."""
    members = archive_members(data, _top_chart_yaml) if data else {}
    return _meta(next(iter(members.values()), None), path)


def _top_chart_yaml(name: str) -> bool:
    return name.count("/") == 1 and name.endswith("/Chart.yaml")


def _meta(raw: bytes | None, path: str) -> dict[str, object] | None:
    docs, _ = parse_documents(raw.decode("utf-8", "replace"), path) if raw is not None else ([], [])
    meta = docs[0].data if docs else None
    return meta if isinstance(meta, dict) else None


def _packaged_subcharts(members: Mapping[str, bytes], top: str) -> set[str]:
    """The names (from their own Chart.yaml, as Helm knows them) of the subcharts a chart archive
    holds under charts/, as archives or directories; `_`/`.` entries are skipped."""
    names: set[str] = set()
    prefix = f"{top}/charts/"
    for member, data in members.items():
        rest = member[len(prefix) :] if member.startswith(prefix) else ""
        if not rest or rest.startswith(("_", ".")):
            continue
        if "/" not in rest and rest.endswith(".tgz"):
            meta = _archive_meta(data, member)
        else:
            meta = _meta(data, member) if _top_chart_yaml(rest) else None
        name = meta.get("name") if meta is not None else None
        if isinstance(name, str) and name:
            names.add(name)
    return names


def chart_from_archive(data: bytes, key: str, selected_at: Location, sources: TemplateSources) -> Chart | None:
    """A fetched chart as a Chart record, everything in it pointing at `selected_at` (the line that
    names the chart): it is in no repo file. `key` names it (`<source>@<version>`)."""
    members = archive_members(data)
    top = next(
        (name.split("/", 1)[0] for name in members if name.count("/") == 1 and name.endswith("/Chart.yaml")), None
    )
    if top is None:
        return None
    fixed = KnownPositions({(): pack(selected_at.line, selected_at.column)}, selected_at.line)

    def doc(name: str) -> YamlDoc | None:
        raw = members.get(f"{top}/{name}")
        store = sources.files.parse_store  # a large chart's values.yaml, parsed again every run otherwise
        docs, _ = parse_cached(raw.decode("utf-8", "replace"), selected_at.path, store) if raw is not None else ([], [])
        return YamlDoc(selected_at.path, 0, docs[0].data, fixed) if docs else None

    chart_doc = doc("Chart.yaml")
    meta = chart_doc.data if chart_doc is not None else None
    if chart_doc is None or not isinstance(meta, dict):
        return None
    values_doc = doc("values.yaml")
    dependencies = _dependencies(meta)
    present = _packaged_subcharts(members, top)
    templates = tuple(
        sources.template(selected_at.path, raw.decode("utf-8", "replace"))
        for name, raw in sorted(members.items())
        if name.startswith(f"{top}/templates/") and len(raw) < 1_000_000
    )
    return Chart(
        key,
        str(meta.get("name") or top),
        meta.get("version"),
        chart_doc,
        values_doc if values_doc is not None and isinstance(values_doc.data, dict) else None,
        dependencies,
        {d.scope: None for d in dependencies if d.name in present},
        templates,
    )


def chart_used(chart: Chart) -> frozenset[ValuesPath]:
    """The `.Values` paths the chart's own templates read."""
    used: set[ValuesPath] = set()
    for template in chart.templates:
        used |= all_paths(template.refs)
    return frozenset(used)
