"""Argo CD Applications: which charts and directories the cluster will get, with which values."""

from __future__ import annotations

from typing import Any

from ..core.globs import any_match
from ..model import (
    Application,
    DirectorySource,
    HelmSource,
    Location,
    Problem,
    ValuesLayer,
    YamlDoc,
    YamlPath,
    shapes,
)
from ..model.config import Config
from ..model.shapes import as_dict, as_list
from .files import RepoFiles, is_yaml, posix_join
from .yaml import parse_documents

APP_API_GROUP = "argoproj.io/"


def is_application(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") == "Application"
        and str(data.get("apiVersion", "")).startswith(APP_API_GROUP)
    )


def load_applications(files: RepoFiles, config: Config) -> tuple[list[Application], list[Problem]]:
    """Every Application in files matching the enabled or disabled globs, sorted by name."""
    apps: list[Application] = []
    problems: list[Problem] = []
    for rel in files.files:
        if not is_yaml(rel):
            continue
        enabled = any_match(config.applications, rel)
        if not enabled and not any_match(config.disabled_applications, rel):
            continue
        for doc in files.yaml(rel):
            if is_application(doc.data):
                try:
                    app, app_problems = _application(doc, enabled, files)
                except (AttributeError, TypeError, KeyError, ValueError) as exc:  # a field of the wrong type
                    app, app_problems = (
                        None,
                        [
                            Problem(
                                "AR004",
                                doc.location(),
                                {"reason": f"a field has the wrong type ({type(exc).__name__})"},
                            )
                        ],
                    )
                problems.extend(app_problems)
                if app is not None:
                    apps.append(app)
    apps.sort(key=lambda a: (not a.enabled, a.name, a.doc.path))
    return apps, problems


def _application(doc: YamlDoc, enabled: bool, files: RepoFiles) -> tuple[Application | None, list[Problem]]:
    data = doc.data
    name = shapes.metadata(data).get("name")
    spec = data.get("spec") or {}
    if not isinstance(name, str) or not isinstance(spec, dict):
        return None, [Problem("AR004", doc.location(("metadata",)), {"reason": "it has no metadata.name or spec"})]
    namespace = as_dict(spec.get("destination")).get("namespace")
    problems: list[Problem] = []
    helm: list[HelmSource] = []
    directories: list[DirectorySource] = []
    remote: list[str] = []

    sources: list[tuple[YamlPath, dict[str, Any]]] = []
    if isinstance(spec.get("source"), dict):
        sources.append((("spec", "source"), spec["source"]))
    for index, source in enumerate(as_list(spec.get("sources"))):
        if isinstance(source, dict):
            sources.append((("spec", "sources", index), source))

    for where, source in sources:
        if source.get("chart"):
            remote.append(
                f"{source.get('repoURL', '?')} chart {source['chart']} {source.get('targetRevision', '')}".strip()
            )
            problems.append(
                Problem(
                    "AR002",
                    doc.location((*where, "chart")),
                    {"app": name, "chart": source["chart"], "repo": source.get("repoURL", "?")},
                )
            )
            continue
        path = source.get("path")
        if path is None:
            continue  # a `ref:`-only source that just provides value files
        rel = posix_join(str(path))
        if not files.is_dir(rel):
            problems.append(Problem("AR001", doc.location((*where, "path")), {"app": name, "path": str(path)}))
            continue
        if files.exists(posix_join(rel, "Chart.yaml")):
            source_helm, helm_problems = _helm_source(doc, where, source, rel, name, files)
            helm.append(source_helm)
            problems.extend(helm_problems)
        else:
            directory = as_dict(source.get("directory"))
            directories.append(
                DirectorySource(
                    rel,
                    recurse=bool(directory.get("recurse")),
                    include=directory.get("include") if isinstance(directory.get("include"), str) else None,
                    exclude=directory.get("exclude") if isinstance(directory.get("exclude"), str) else None,
                )
            )
    app = Application(name, enabled, doc, namespace, tuple(helm), tuple(directories), tuple(remote))
    return app, problems


def _helm_source(
    doc: YamlDoc, where: YamlPath, source: dict[str, Any], chart_dir: str, app_name: str, files: RepoFiles
) -> tuple[HelmSource, list[Problem]]:
    helm = as_dict(source.get("helm"))
    helm_path = (*where, "helm")
    problems: list[Problem] = []
    value_files: list[str] = []
    for index, entry in enumerate(as_list(helm.get("valueFiles"))):
        entry = str(entry)
        # `$ref/path` points into another source; in a monorepo that is this repo's root.
        rel = (
            posix_join(entry.split("/", 1)[1])
            if entry.startswith("$") and "/" in entry
            else posix_join(chart_dir, entry)
        )
        if rel and files.exists(rel):
            value_files.append(rel)
        elif not helm.get("ignoreMissingValueFiles"):
            problems.append(
                Problem("AR003", doc.location((*helm_path, "valueFiles", index)), {"app": app_name, "file": entry})
            )

    layers: list[ValuesLayer] = []
    inline = helm.get("values")
    if isinstance(inline, str) and inline.strip():
        key_line = doc.location((*helm_path, "values")).line
        docs, parse_problems = parse_documents(inline, doc.path, line_offset=key_line)
        problems.extend(parse_problems)
        if docs and isinstance(docs[0].data, dict):
            layers.append(ValuesLayer(f"{doc.path} helm.values", docs[0].data, docs[0]))
    elif isinstance(inline, dict):  # Argo CD also accepts an object here
        layers.append(ValuesLayer(f"{doc.path} helm.values", inline, doc, (*helm_path, "values")))
    if isinstance(helm.get("valuesObject"), dict):
        layers.append(
            ValuesLayer(f"{doc.path} helm.valuesObject", helm["valuesObject"], doc, (*helm_path, "valuesObject"))
        )
    for index, parameter in enumerate(as_list(helm.get("parameters"))):
        layer = _parameter_layer(doc, (*helm_path, "parameters", index), parameter)
        if layer is not None:
            layers.append(layer)

    release = helm.get("releaseName") or app_name
    return HelmSource(chart_dir, str(release), tuple(value_files), tuple(layers)), problems


def _parameter_layer(doc: YamlDoc, where: YamlPath, parameter: Any) -> ValuesLayer | None:
    """A `helm.parameters` entry, parsed with Helm's own --set / --set-string parser."""
    if not isinstance(parameter, dict) or "name" not in parameter:
        return None
    import helm_python  # deferred: loading the native library costs ~20 ms

    expression = f"{parameter['name']}={parameter.get('value', '')}"
    try:
        if parameter.get("forceString"):
            data = helm_python.parse_set_string_values(expression)
        else:
            data = helm_python.parse_set_string(expression)
    except helm_python.HelmError:
        return None
    location = doc.location((*where, "value"))
    return ValuesLayer(
        f"{doc.path} helm.parameters", data, None, location=Location(location.path, location.line, location.column)
    )
