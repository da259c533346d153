"""Load a whole repository into the immutable RepoModel: Applications, charts, objects, problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import (
    CLUSTER_SCOPED_KINDS,
    Application,
    Chart,
    Config,
    Dependency,
    HelmSource,
    Location,
    Problem,
    Rendering,
    RenderOrigin,
    RepoModel,
    Resource,
    ResourceId,
    SourceKind,
    Suppression,
    ValuesLayer,
    ValuesPath,
    YamlDoc,
)
from ..model.shapes import as_dict, as_list
from .argocd import is_application, load_applications
from .files import RepoFiles, is_yaml, posix_join
from .helm.archive import TemplateSources, build_archive, helmignore_patterns
from .helm.render import render_chart
from .helm.templates import all_paths
from .kustomize import Included, build_directory, kustomization_file
from .nodes import load_nodes
from .suppressions import from_annotations

NOT_OBJECTS = {"Kustomization", "Component"}


def load_repo(root: Path, config: Config) -> RepoModel:
    files = RepoFiles(root, config.exclude)
    apps, problems = load_applications(files, config)
    sources = TemplateSources(files)
    charts, chart_problems = _load_charts(files, config, sources)
    problems += chart_problems
    renderings: list[Rendering] = []
    resources: list[Resource] = []
    deployers = _helm_deployers(apps)
    for chart in charts:
        chart_renderings, chart_resources, render_problems = _render(
            files, sources, chart, deployers.get(chart.dir, [])
        )
        renderings += chart_renderings
        resources += chart_resources
        problems += render_problems
    manifest_resources, kustomizations, manifest_problems = _manifests(files, apps)
    resources += manifest_resources
    problems += manifest_problems
    try:
        nodes, node_problems = load_nodes(files, config)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:  # an inventory field of an unexpected shape
        reason = f"the node inventory has a field of an unexpected type ({type(exc).__name__})"
        nodes, node_problems = (), [Problem("NP012", Location(".m0sh1-lint.yaml"), {"reason": reason})]
    problems += node_problems
    problems += files.problems
    return RepoModel(
        files.root,
        tuple(apps),
        tuple(charts),
        tuple(renderings),
        tuple(resources),
        tuple(_unique(problems)),
        tuple(kustomizations),
        nodes=nodes,
        suppressions=tuple(_suppressions(files, resources)),
    )


def _suppressions(files: RepoFiles, resources: list[Resource]) -> list[Suppression]:
    found = sorted(files.suppressions, key=lambda s: (s.location.path, s.location.line))
    return found + from_annotations(resources)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for problem in problems:
        key = (problem.rule, problem.location, tuple(sorted((k, str(v)) for k, v in problem.fields.items())))
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


# --- charts --------------------------------------------------------------------------------


def _load_charts(files: RepoFiles, config: Config, sources: TemplateSources) -> tuple[list[Chart], list[Problem]]:
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
        chart, chart_problems = _chart(files, chart_dir, sources)
        problems += chart_problems
        if chart is not None:
            charts.append(chart)
    return charts, problems


def _inside_another_chart(chart_dir: str, chart_dirs: set[str]) -> bool:
    """`parent/charts/sub` is a subchart when `parent` is a chart too."""
    parts = chart_dir.split("/")
    return any(part == "charts" and "/".join(parts[:i]) in chart_dirs for i, part in enumerate(parts) if i)


def _chart(files: RepoFiles, chart_dir: str, sources: TemplateSources) -> tuple[Chart | None, list[Problem]]:
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
    chart = Chart(
        chart_dir,
        str(meta.get("name") or chart_dir.rsplit("/", 1)[-1]),
        meta.get("version"),
        docs[0],
        values_doc,
        dependencies,
        _vendored(files, chart_dir, dependencies),
        templates,
        values_ok,
        lock_docs[0] if lock_docs else None,
        tuple(helmignore_patterns(files, chart_dir)),
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


def _vendored(files: RepoFiles, chart_dir: str, dependencies: tuple[Dependency, ...]) -> tuple[str, ...]:
    depth = len(chart_dir.split("/")) + 1
    present = {p.split("/")[depth] for p in files.under(posix_join(chart_dir, "charts"))}
    names = []
    for dep in dependencies:
        if any(entry == dep.name or (entry.startswith(dep.name + "-") and entry.endswith(".tgz")) for entry in present):
            names.append(dep.scope)
    return tuple(names)


@dataclass(frozen=True)
class _Release:
    app: str | None
    deployed: bool
    release_name: str
    namespace: str
    layers: tuple[ValuesLayer, ...]  # the Application's layers (value files, inline values)


def _helm_deployers(apps: list[Application]) -> dict[str, list[tuple[Application, HelmSource]]]:
    """Chart directory → the Applications (and their sources) that deploy it, in app order."""
    out: dict[str, list[tuple[Application, HelmSource]]] = {}
    for app in apps:
        for source in app.helm:
            out.setdefault(source.chart_dir, []).append((app, source))
    return out


def _releases(files: RepoFiles, chart: Chart, deployers: list[tuple[Application, HelmSource]]) -> list[_Release]:
    """Enabled Applications deploying the chart; else the disabled ones; else Helm's defaults."""
    for want_enabled in (True, False):
        found = [
            _Release(
                app.name,
                app.enabled,
                source.release_name,
                app.namespace or "default",
                tuple(_file_layers(files, source.value_files)) + source.values_layers,
            )
            for app, source in deployers
            if app.enabled == want_enabled
        ]
        if found:
            return found
    return [_Release(None, False, chart.name, "default", ())]


def _file_layers(files: RepoFiles, paths: tuple[str, ...]) -> list[ValuesLayer]:
    layers = []
    for path in paths:
        docs = files.yaml(path)
        if docs and isinstance(docs[0].data, dict):
            layers.append(ValuesLayer(path, docs[0].data, docs[0]))
    return layers


def _render(
    files: RepoFiles, sources: TemplateSources, chart: Chart, deployers: list[tuple[Application, HelmSource]]
) -> tuple[list[Rendering], list[Resource], list[Problem]]:
    import helm_python

    if not chart.values_ok:
        return [], [], []  # Helm would fail on the same values.yaml; its problem is reported
    try:
        handle = helm_python.Chart.load_archive(build_archive(files, chart.dir))
    except helm_python.HelmError as exc:
        reason = " ".join(str(getattr(exc, "detail", None) or exc).split())[:300]
        return (
            [],
            [],
            [Problem("LD005", chart.chart_doc.location(), {"reason": f"Helm cannot load the chart: {reason}"})],
        )
    values_doc = chart.values_doc
    chart_layer = ValuesLayer(values_doc.path, values_doc.data, values_doc) if values_doc is not None else None
    used = frozenset(_used_values(chart))
    renderings: list[Rendering] = []
    resources: list[Resource] = []
    problems: list[Problem] = []
    with handle:
        for release in _releases(files, chart, deployers):
            # Helm merges values.yaml itself; it heads the layers for provenance only, once
            # even when the Application also lists it under valueFiles.
            user_layers = tuple(
                layer for layer in release.layers if chart_layer is None or layer.label != chart_layer.label
            )
            layers = ((chart_layer,) if chart_layer else ()) + user_layers
            rendering = Rendering(
                chart.dir,
                release.app,
                release.deployed,
                release.release_name,
                release.namespace,
                layers,
                used,
                chart.vendored,
            )
            renderings.append(rendering)
            rendered, render_problems = render_chart(
                files, sources, handle, chart, user_layers, release.release_name, release.namespace
            )
            problems += render_problems
            for item in rendered:
                origin = RenderOrigin(chart.dir, item.template, rendering, item.subcharts, item.from_archive)
                for doc in item.docs:
                    resource = _resource(
                        doc, SourceKind.RENDERED, release.deployed, release.app, release.namespace, origin
                    )
                    if resource is not None:
                        resources.append(resource)
    return renderings, resources, problems


def _used_values(chart: Chart) -> set[ValuesPath]:
    used: set[ValuesPath] = set()
    for template in chart.templates:
        used |= all_paths(template.refs)
    return used


# --- plain manifests -----------------------------------------------------------------------


def _resource(
    doc: YamlDoc,
    source: SourceKind,
    deployed: bool,
    app: str | None,
    namespace: str | None,
    render: RenderOrigin | None = None,
    included: Included | None = None,
    note: str | None = None,
) -> Resource | None:
    data = doc.data
    if not isinstance(data, dict):
        return None
    api_version, kind = data.get("apiVersion"), data.get("kind")
    metadata = as_dict(data.get("metadata"))
    if not isinstance(api_version, str) or not isinstance(kind, str) or kind in NOT_OBJECTS:
        return None
    name = str(metadata.get("name") or metadata.get("generateName") or "")
    if included is not None:
        name = included.name_prefix + name + included.name_suffix
    own_namespace = metadata.get("namespace")
    if kind in CLUSTER_SCOPED_KINDS:
        effective = None
    elif included is not None and included.namespace:
        effective = included.namespace
    else:
        effective = str(own_namespace) if own_namespace else namespace
    rid = ResourceId(api_version, kind, effective, name)
    return Resource(rid, doc, source, deployed, app, render, note)


def _manifests(files: RepoFiles, apps: list[Application]) -> tuple[list[Resource], list[str], list[Problem]]:
    """Objects in plain YAML files; deployed when an enabled Application's directory source builds them."""
    problems: list[Problem] = []
    deployers: dict[tuple[str, int], tuple[Application, Included]] = {}
    disabled_only: dict[tuple[str, int], str] = {}
    generated: list[Resource] = []
    kustomizations: list[str] = []
    fragments: set[str] = set()
    for app in apps:
        for directory in app.directories:
            build = build_directory(files, directory.path, directory.recurse, directory.include, directory.exclude)
            problems += build.problems
            kustomizations += build.kustomizations
            fragments.update(build.fragments)
            for item in build.included:
                key = (item.doc.path, item.doc.index)
                if app.enabled:
                    deployers.setdefault(key, (app, item))
                else:
                    disabled_only.setdefault(key, app.name)
            for item in build.generated:
                resource = _resource(
                    item.doc, SourceKind.GENERATED, app.enabled, app.name, app.namespace, included=item
                )
                if resource is not None:
                    generated.append(resource)

    # Nothing inside a chart directory is a plain manifest (templates, values, vendored charts).
    chart_dirs = {rel.rsplit("/", 1)[0] for rel in files.files if rel.endswith("/Chart.yaml")}
    included_files = {path for path, _ in deployers} | {path for path, _ in disabled_only}
    built = set(kustomizations)
    resources: list[Resource] = []
    for rel in files.files:
        if (not is_yaml(rel) and not rel.endswith(".json")) or _in_chart(rel, chart_dirs) or rel in fragments:
            continue
        if rel.endswith(".json") and rel not in included_files:
            continue
        for doc in files.yaml(rel):
            if not isinstance(doc.data, dict) or is_application(doc.data):
                continue
            key = (doc.path, doc.index)
            if key in deployers:
                app, item = deployers[key]
                resource = _resource(doc, SourceKind.MANIFEST, True, app.name, app.namespace, included=item)
            else:
                note = _why_not_deployed(files, rel, disabled_only.get(key), built)
                resource = _resource(doc, SourceKind.MANIFEST, False, disabled_only.get(key), None, note=note)
            if resource is not None:
                resources.append(resource)
    return resources + generated, sorted(set(kustomizations)), problems


def _in_chart(rel: str, chart_dirs: set[str]) -> bool:
    parts = rel.split("/")
    return any("/".join(parts[:i]) in chart_dirs for i in range(1, len(parts)))


def _why_not_deployed(files: RepoFiles, rel: str, disabled_app: str | None, kustomizations: set[str]) -> str:
    if disabled_app:
        return f"only the disabled Application `{disabled_app}` deploys it"
    directory = rel.rsplit("/", 1)[0] if "/" in rel else ""
    kfile = kustomization_file(files, directory)
    if kfile is not None and kfile in kustomizations:
        return f"`{kfile}` does not list it under `resources`"
    return "no Application deploys it"
