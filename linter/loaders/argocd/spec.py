"""One Argo CD Application document: its identity, destination and sources, resolved as the
repo-server resolves them (docs/reference/argocd.md §1-§9).

- `spec.sources` (multi-source) replaces `spec.source`; a `ref:` source with no path contributes
  no manifests, only `$ref/...` value files.
- The tool: an explicit `helm`/`kustomize`/`directory`/`plugin` block decides; otherwise a
  `Chart.yaml` in the path means Helm, a kustomization means kustomize (kustomize wins when both
  are there), anything else is a directory of manifests.
- A source is this repository when its `repoURL` matches one of the checkout's remotes
  (repos.py); a checkout without any remote takes a source whose path exists here.
- Helm values: value files relative to the chart (a leading `/` means the repository root,
  `$ref/...` the root of the `ref:` source's repository), `valuesObject` replacing `values`,
  then `--set` parameters, then `--set-string` ones, then `fileParameters`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ...core.globs import glob_match
from ...model import (
    ChartRef,
    DirectorySource,
    HelmSource,
    Location,
    Problem,
    SourceInfo,
    ValuesLayer,
    YamlDoc,
    YamlPath,
)
from ...model.shapes import as_dict, as_list, metadata
from ..files import RepoFiles, inside_repo, posix_join
from ..kustomize import kustomization_file
from ..yaml import parse_documents
from .repos import ANOTHER_REPOSITORY_FIX, RepoIdentity

API_GROUP = "argoproj.io/"
TOOLS = ("helm", "kustomize", "directory", "plugin")
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
# Options of an Application's `kustomize` block the linter applies, or that change nothing it
# checks (labels, annotations, images, the kustomize version).
APPLIED_KUSTOMIZE_OPTIONS = frozenset(
    {
        "namePrefix",
        "nameSuffix",
        "namespace",
        "components",
        "commonLabels",
        "commonAnnotations",
        "images",
        "labelWithoutSelector",
        "labelIncludeTemplates",
        "commonAnnotationsEnvsubst",
        "version",
        "forceCommonLabels",
        "forceCommonAnnotations",
        "ignoreMissingComponents",
        "kubeVersion",
        "apiVersions",
    }
)


def is_argo(data: Any, kind: str) -> bool:
    return isinstance(data, dict) and data.get("kind") == kind and str(data.get("apiVersion", "")).startswith(API_GROUP)


@dataclass(frozen=True)
class Destination:
    server: str | None
    name: str | None
    namespace: str | None


@dataclass
class AppSpec:
    """What an Application says, before the graph decides whether it is synced."""

    doc: YamlDoc
    name: str
    namespace: str | None  # metadata.namespace, as written
    project: str
    destination: Destination
    create_namespace: bool
    helm: list[HelmSource] = field(default_factory=list)  # charts in this repository
    remote_helm: list[tuple[HelmSource, YamlPath]] = field(default_factory=list)  # remote charts, by source
    # Sources in another git repository, as the charts they may be (named after their path): not
    # rendered, only hints of what they may create (views/unrendered.py)
    external_charts: list[tuple[HelmSource, str]] = field(default_factory=list)
    directories: list[tuple[DirectorySource, YamlPath]] = field(default_factory=list)
    sources: list[SourceInfo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    used_files: set[str] = field(default_factory=set)  # value files and other files it reads


def read_application(doc: YamlDoc, files: RepoFiles, repo: RepoIdentity) -> AppSpec | None:
    """The Application in `doc`, or None (with an AR004 problem in the result) when unusable."""
    data = doc.data
    meta = metadata(data)
    name, spec = meta.get("name"), data.get("spec")
    if not isinstance(name, str) or not name or not isinstance(spec, dict):
        return None
    destination = as_dict(spec.get("destination"))
    options = [str(o) for o in as_list(as_dict(spec.get("syncPolicy")).get("syncOptions"))]
    app = AppSpec(
        doc,
        name,
        str(meta["namespace"]) if meta.get("namespace") else None,
        str(spec.get("project") or "default"),
        Destination(
            _text(destination.get("server")), _text(destination.get("name")), _text(destination.get("namespace"))
        ),
        any(o.replace(" ", "") == "CreateNamespace=true" for o in options),
    )
    raw = _raw_sources(spec)
    multi = bool(as_list(spec.get("sources")))
    refs = (
        {
            str(s["ref"]): _Ref(where, repo.is_this(str(s.get("repoURL") or "")) or not repo.has_remote)
            for where, s in raw
            if s.get("ref")
        }
        if multi
        else {}
    )
    used_refs: set[str] = set()
    for where, source in raw:
        app.sources.append(_source(app, files, repo, where, source, multi, refs, used_refs))
    for ref, found in sorted(refs.items()):
        if ref not in used_refs:
            app.problems.append(Problem("AR005", doc.location((*found.where, "ref")), {"app": name, "ref": ref}))
    external = [s for s in app.sources if s.type == "external"]
    if external:
        listed = ", ".join(f"`{s.repo_url or '(no repoURL)'}`" for s in external)
        reason = (
            f"its source {listed} is in another repository"
            if len(external) == 1
            else (f"its sources {listed} are in other repositories")
        )
        app.problems.append(
            Problem(
                "AR012",
                doc.location((*external[0].where, "repoURL")),
                {"kind": "Application", "app": name, "reason": reason, "fix": ANOTHER_REPOSITORY_FIX},
            )
        )
    return app


@dataclass(frozen=True)
class _Ref:
    """A `ref:` source of a multi-source Application, for `$ref/...` value files."""

    where: YamlPath
    here: bool  # is it this repository?


Refs = Mapping[str, _Ref]


def invalid(doc: YamlDoc) -> Problem:
    return Problem("AR004", doc.location(("metadata",)), {"reason": "it has no metadata.name or spec"})


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) else None


def _raw_sources(spec: Mapping[str, Any]) -> list[tuple[YamlPath, dict[str, Any]]]:
    """`spec.sources` when it has entries (then `spec.source` is ignored), else `spec.source`."""
    sources: list[tuple[YamlPath, dict[str, Any]]] = [
        (("spec", "sources", i), s) for i, s in enumerate(as_list(spec.get("sources"))) if isinstance(s, dict)
    ]
    if sources:
        return sources
    return [(("spec", "source"), spec["source"])] if isinstance(spec.get("source"), dict) else []


def _source(
    app: AppSpec,
    files: RepoFiles,
    repo: RepoIdentity,
    where: YamlPath,
    source: dict[str, Any],
    multi: bool,
    refs: Refs,
    used_refs: set[str],
) -> SourceInfo:
    url = str(source.get("repoURL") or "")
    chart = _text(source.get("chart"))
    revision = _text(source.get("targetRevision"))
    ref = _text(source.get("ref"))
    base = SourceInfo("external", where, url, None, chart, revision, ref)
    if url.startswith("oci://") or chart:
        name = chart or _text(source.get("path")) or url.rsplit("/", 1)[-1]
        remote = ChartRef(url, name, revision)
        app.remote_helm.append((_helm_source(app, files, where, source, None, refs, used_refs, remote), where))
        return replace(base, type="remote-helm", reason="a chart from a Helm repository or OCI registry")
    path = source.get("path")
    if not url:
        return replace(base, type="unsupported", reason="it has no repoURL")  # KV002 reports the field
    if "{{" in url:
        return replace(base, type="unsupported", reason="its repoURL is a template the linter cannot resolve")
    if multi and path in (None, ""):
        return replace(base, type="ref", reason="" if ref else "a source with neither path nor chart deploys nothing")
    if not _is_this_repo(url, path, files, repo):
        if path not in (None, ""):
            helm = _helm_source(app, files, where, source, None, refs, used_refs)
            app.external_charts.append((helm, str(path).rstrip("/").rsplit("/", 1)[-1]))
        return replace(base, reason="a source in another repository")
    rel = inside_repo(str(path or ""))
    if rel is None or not files.is_dir(rel):
        app.problems.append(Problem("AR001", app.doc.location((*where, "path")), {"app": app.name, "path": str(path)}))
        return replace(base, type="unsupported", path=str(path), reason="its path does not exist in this repository")
    tool = _tool(source, files, rel)
    if tool == "plugin":
        reason = "a config management plugin renders it, and the linter does not run plugins"
        app.problems.append(
            Problem(
                "AR013",
                app.doc.location((*where, "plugin")),
                {"kind": "Application", "app": app.name, "reason": reason},
            )
        )
        return replace(base, type="unsupported", path=rel, reason="a config management plugin renders it", plugin=True)
    if tool == "helm":
        app.helm.append(_helm_source(app, files, where, source, rel, refs, used_refs))
        return replace(base, type="helm", path=rel)
    directory = _directory_source(source, rel, tool)
    app.directories.append((directory, where))
    unapplied = sorted(k for k in as_dict(source.get("kustomize")) if k not in APPLIED_KUSTOMIZE_OPTIONS)
    if unapplied:
        listed = ", ".join(f"`{k}`" for k in unapplied)
        reason = f"its kustomize options {listed} are not applied; the objects are checked without them"
        app.problems.append(
            Problem(
                "AR013",
                app.doc.location((*where, "kustomize", unapplied[0])),
                {"kind": "Application", "app": app.name, "reason": reason},
            )
        )
    return replace(base, type="kustomize" if tool == "kustomize" else "directory", path=rel)


def _is_this_repo(url: str, path: Any, files: RepoFiles, repo: RepoIdentity) -> bool:
    if repo.has_remote:
        return repo.is_this(url)
    return path is not None and files.is_dir(posix_join(str(path)))  # no remote to compare with: trust the path


def _tool(source: Mapping[str, Any], files: RepoFiles, rel: str) -> str:
    explicit = [tool for tool in TOOLS if source.get(tool) is not None]
    if explicit:
        return explicit[0]
    if kustomization_file(files, rel) is not None:
        return "kustomize"
    return "helm" if files.exists(posix_join(rel, "Chart.yaml")) else "directory"


def _directory_source(source: Mapping[str, Any], rel: str, tool: str) -> DirectorySource:
    directory = as_dict(source.get("directory"))
    kustomize = as_dict(source.get("kustomize"))
    return DirectorySource(
        rel,
        recurse=directory.get("recurse") is True,
        include=_text(directory.get("include")),
        exclude=_text(directory.get("exclude")),
        name_prefix=_text(kustomize.get("namePrefix")) or "",
        name_suffix=_text(kustomize.get("nameSuffix")) or "",
        namespace=_text(kustomize.get("namespace")),
        components=tuple(str(c) for c in as_list(kustomize.get("components"))),
        kube_version=_text(kustomize.get("kubeVersion")),
        api_versions=tuple(str(v) for v in as_list(kustomize.get("apiVersions"))),
    )


# --- Helm sources -------------------------------------------------------------------------


def _helm_source(
    app: AppSpec,
    files: RepoFiles,
    where: YamlPath,
    source: Mapping[str, Any],
    chart_dir: str | None,
    refs: Refs,
    used_refs: set[str],
    remote: ChartRef | None = None,
) -> HelmSource:
    """A Helm source's release and values; `chart_dir` None for a remote chart, whose relative
    value files live in the chart's own repository (only `/...` and `$ref/...` ones are read)."""
    helm = as_dict(source.get("helm"))
    at = (*where, "helm")
    ignore_missing = helm.get("ignoreMissingValueFiles") is True
    value_files: list[str] = []
    for index, entry in enumerate(as_list(helm.get("valueFiles"))):
        for rel in _value_files(
            app, files, str(entry), chart_dir, refs, used_refs, (*at, "valueFiles", index), ignore_missing
        ):
            if rel not in value_files:
                value_files.append(rel)
    app.used_files.update(value_files)
    layers = list(_inline_layers(app, helm, at))
    layers += _parameter_layers(app.doc, helm, at)
    layers += _file_parameter_layers(app, files, helm, at, chart_dir, refs, used_refs)
    return HelmSource(
        chart_dir or "",
        str(helm.get("releaseName") or app.name),
        tuple(value_files),
        tuple(layers),
        namespace=_text(helm.get("namespace")),
        skip_crds=helm.get("skipCrds") is True,
        kube_version=_text(helm.get("kubeVersion")),
        api_versions=tuple(str(v) for v in as_list(helm.get("apiVersions"))),
        remote=remote,
        skip_schema_validation=helm.get("skipSchemaValidation") is True,
    )


def _value_files(
    app: AppSpec,
    files: RepoFiles,
    entry: str,
    chart_dir: str | None,
    refs: Refs,
    used_refs: set[str],
    at: YamlPath,
    ignore_missing: bool,
) -> Iterator[str]:
    """The repo files one `valueFiles` entry names (a glob may name several)."""
    if "://" in entry:
        app.problems.append(
            Problem(
                "AR012",
                app.doc.location(at),
                {
                    "kind": "Application",
                    "app": app.name,
                    "reason": f"value file `{entry}` is fetched from a URL, which the linter does not read",
                    "fix": "Check by hand what the value file sets (the chart is rendered without it), or commit "
                    "the file and name it by its path",
                },
            )
        )
        return
    rel = _resolve(entry, chart_dir, refs, used_refs)
    if rel is None:
        app.problems.append(Problem("AR003", app.doc.location(at), {"app": app.name, "file": entry}))
        return
    if rel == "":
        return  # a `$ref` into another repository: not checked (AR012 is reported for the source)
    if any(c in rel for c in "*?["):
        matched = [f for f in files.files if glob_match(rel, f)]
        if not matched and not ignore_missing:
            app.problems.append(Problem("AR003", app.doc.location(at), {"app": app.name, "file": entry}))
        yield from matched
        return
    if files.exists(rel):
        yield rel
    elif not ignore_missing:
        app.problems.append(Problem("AR003", app.doc.location(at), {"app": app.name, "file": entry}))


def _resolve(entry: str, chart_dir: str | None, refs: Refs, used_refs: set[str]) -> str | None:
    """The repo-relative path of a value file; "" for one in another repository; None when it
    cannot resolve (an unknown `$ref`, a path leaving the repository)."""
    if entry.startswith("$") and refs:
        name, _, rest = entry[1:].partition("/")
        if name not in refs:
            return None
        used_refs.add(name)
        return (inside_repo(rest) or None) if refs[name].here else ""
    if chart_dir is None:
        return ""  # a remote chart's own file: in the chart's package, not here
    if entry.startswith("/"):
        return inside_repo(entry.lstrip("/")) or None
    return inside_repo(chart_dir, entry) or None


def _inline_layers(app: AppSpec, helm: Mapping[str, Any], at: YamlPath) -> Iterator[ValuesLayer]:
    """`valuesObject`, else `values` (Argo CD uses one, never both)."""
    doc = app.doc
    if isinstance(helm.get("valuesObject"), dict):
        yield ValuesLayer(f"{doc.path} helm.valuesObject", helm["valuesObject"], doc, (*at, "valuesObject"))
        return
    inline = helm.get("values")
    if isinstance(inline, str) and inline.strip():
        key_line = doc.location((*at, "values")).line
        docs, problems = parse_documents(inline, doc.path, line_offset=key_line)
        app.problems.extend(problems)
        if docs and isinstance(docs[0].data, dict):
            yield ValuesLayer(f"{doc.path} helm.values", docs[0].data, docs[0])
    elif isinstance(inline, dict):  # Argo CD also accepts an object here
        yield ValuesLayer(f"{doc.path} helm.values", inline, doc, (*at, "values"))


def _parameter_layers(doc: YamlDoc, helm: Mapping[str, Any], at: YamlPath) -> list[ValuesLayer]:
    """`helm.parameters`, parsed with Helm's own --set parser: --set ones first, then
    --set-string ones (Helm applies them in that order); a repeated name: the last one wins."""
    entries = [(i, p) for i, p in enumerate(as_list(helm.get("parameters"))) if isinstance(p, dict) and "name" in p]
    last = {str(p["name"]): i for i, p in entries}
    entries = [(i, p) for i, p in entries if last[str(p["name"])] == i]
    ordered = [e for e in entries if not e[1].get("forceString")] + [e for e in entries if e[1].get("forceString")]
    layers = []
    for index, parameter in ordered:
        layer = _parameter_layer(doc, (*at, "parameters", index), parameter)
        if layer is not None:
            layers.append(layer)
    return layers


def _parameter_layer(doc: YamlDoc, where: YamlPath, parameter: Mapping[str, Any]) -> ValuesLayer | None:
    import helm_python  # deferred: loading the native library costs ~20 ms

    expression = f"{parameter['name']}={parameter.get('value', '')}"
    try:
        if parameter.get("forceString"):
            data = helm_python.parse_set_string_values(expression)
        else:
            data = helm_python.parse_set_string(expression)
    except (helm_python.HelmError, UnicodeDecodeError):
        return None
    location = doc.location((*where, "value"))
    return ValuesLayer(
        f"{doc.path} helm.parameters", data, None, location=Location(location.path, location.line, location.column)
    )


def _file_parameter_layers(
    app: AppSpec,
    files: RepoFiles,
    helm: Mapping[str, Any],
    at: YamlPath,
    chart_dir: str | None,
    refs: Refs,
    used_refs: set[str],
) -> list[ValuesLayer]:
    """`helm.fileParameters`: `--set-file name=path`, the value is the file's text."""
    layers = []
    for index, entry in enumerate(as_list(helm.get("fileParameters"))):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("path"):
            continue
        where = (*at, "fileParameters", index)
        rel = _resolve(str(entry["path"]), chart_dir, refs, used_refs)
        if rel is None or (rel and not files.exists(rel)):
            app.problems.append(
                Problem("AR003", app.doc.location((*where, "path")), {"app": app.name, "file": str(entry["path"])})
            )
            continue
        text = files.read_text(rel) if rel else None
        if text is None:
            continue
        data: dict[str, Any] = {}
        node = data
        steps = str(entry["name"]).split(".")
        for step in steps[:-1]:
            node = node.setdefault(step, {})
        node[steps[-1]] = text
        location = app.doc.location((*where, "path"))
        layers.append(ValuesLayer(f"{app.doc.path} helm.fileParameters", data, None, location=location))
        app.used_files.add(rel)
    return layers
