"""Which manifests an Argo CD directory source deploys, built the way Argo CD builds them
(docs/reference/argocd.md §3, §4).

A directory with a kustomization deploys only what its `resources` list (recursively, with
`components`) plus what its generators make; any other manifest beside it is NOT deployed. The
Application's own `kustomize` options (name prefix/suffix, namespace, components) apply outermost.
`commonLabels` and `labels` are added where kustomize adds them, selectors included: a
StatefulSet without `spec.selector` gets one from commonLabels.
Without a kustomization, Argo CD applies every `*.yaml`, `*.yml` and `*.json` file (recursing when
asked), filtered by `include`/`exclude` globs matched against the path relative to the source path
(`*` crosses `/`, `{a,b}` alternatives); `*.jsonnet` files are reported, not evaluated. No
kustomize binary is involved: this implements the subset Argo CD needs here, and reports
unsupported fields once instead of guessing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..core.globs import argo_glob
from ..core.sensitive import holds_credential
from ..model import DirectorySource, Location, Problem, ValuesLayer, YamlDoc, YamlPath
from ..model.shapes import as_dict, as_list
from ..model.yamldoc import KnownPositions, pack
from .files import RepoFiles, inside_repo, posix_join

GENERATED_CREDENTIALS = "m0sh1-lint/credential-keys"  # a generated Secret's keys that hold credentials
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# Fields that change nothing the linter looks at, or that it applies itself.
SUPPORTED = {
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "secretGenerator",
    "configMapGenerator",
    "generatorOptions",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "buildMetadata",
    "sortOptions",
    "components",
    "images",  # no rule reads container images
    "helmCharts",  # rendered by the Deployer (Argo CD's kustomize build --enable-helm)
    "helmGlobals",
}


@dataclass(frozen=True)
class Included:
    """A manifest document a directory source deploys, with kustomize's edits to its identity."""

    doc: YamlDoc
    namespace: str | None = None  # kustomize `namespace:` override
    name_prefix: str = ""
    name_suffix: str = ""
    via: str | None = None  # the kustomization that lists it


@dataclass(frozen=True)
class KustomizeChart:
    """One `helmCharts` entry: a chart kustomize renders (with --enable-helm, as Argo CD can)
    before its other transformations apply to the output."""

    name: str
    repo: str | None  # None: a local chart under helmGlobals.chartHome
    version: str | None
    release_name: str
    namespace: str  # the release namespace (`.Release.Namespace`)
    values: tuple[ValuesLayer, ...]  # valuesFile, valuesInline, additionalValuesFiles, in that order
    include_crds: bool
    local_dir: str | None  # chartHome/<name> when it exists in the repository
    at: Location  # the entry in the kustomization
    transform: Included  # the kustomization's namespace and name prefix/suffix for the output
    skip_hooks: bool = False  # `helm template --no-hooks`: no object with a helm.sh/hook annotation
    # the entry's own; only when unset do Argo CD's --helm-kube-version/--helm-api-versions apply
    kube_version: str | None = None
    api_versions: tuple[str, ...] = ()


@dataclass
class Build:
    included: list[Included] = field(default_factory=list)
    generated: list[Included] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    kustomizations: list[str] = field(default_factory=list)  # every kustomization file read
    fragments: list[str] = field(default_factory=list)  # patch files: partial objects, not manifests
    jsonnet: list[str] = field(default_factory=list)  # *.jsonnet files a directory source would evaluate
    skipped: list[str] = field(default_factory=list)  # manifests in the directory include/exclude leave out
    include_matched: bool = False  # did `include` select any manifest?
    exclude_matched: bool = False  # did `exclude` remove any?
    selected: int = 0  # manifest files a directory source reads (parsable or not)
    helm_charts: list[KustomizeChart] = field(default_factory=list)  # `helmCharts` the Deployer renders

    def empty(self) -> bool:
        """Does the source deploy nothing, with nothing else to blame (a broken file, Jsonnet)?"""
        if self.problems or self.jsonnet or self.included or self.generated or self.helm_charts:
            return False
        return (not self.kustomizations and self.selected == 0) or bool(self.kustomizations)


def kustomization_file(files: RepoFiles, directory: str) -> str | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = posix_join(directory, name)
        if files.exists(candidate):
            return candidate
    return None


def build_directory(files: RepoFiles, source: DirectorySource) -> Build:
    build = Build()
    directory = source.path
    kfile = kustomization_file(files, directory)
    if kfile is not None:
        outer = _Transform(source.namespace, source.name_prefix, source.name_suffix)
        _build_kustomization(files, kfile, build, visiting=set(), outer=outer, components=source.components)
        return build
    for rel in files.under(directory):
        inner = rel[len(directory) + 1 :] if directory else rel
        if not source.recurse and "/" in inner:
            continue
        if rel.endswith(".jsonnet"):
            build.jsonnet.append(rel)
            continue
        if not rel.endswith(MANIFEST_SUFFIXES):
            continue
        excluded = bool(source.exclude) and argo_glob(source.exclude or "", inner)
        included = not source.include or argo_glob(source.include, inner)
        build.exclude_matched |= excluded
        build.include_matched |= bool(source.include) and included
        if excluded or not included:
            build.skipped.append(rel)
            continue
        build.selected += 1
        build.included.extend(Included(doc) for doc in files.yaml(rel))
    return build


@dataclass(frozen=True)
class Labels:
    """What `commonLabels` and `labels` add, by reach: to metadata only, to pod templates too, or
    to selectors as well (commonLabels, `labels` with includeSelectors)."""

    metadata: tuple[tuple[str, str], ...] = ()
    templates: tuple[tuple[str, str], ...] = ()
    selectors: tuple[tuple[str, str], ...] = ()

    def under(self, outer: Labels) -> Labels:
        """These labels with an outer kustomization's applied after them (its values win)."""
        return Labels(
            tuple({**dict(self.metadata), **dict(outer.metadata)}.items()),
            tuple({**dict(self.templates), **dict(outer.templates)}.items()),
            tuple({**dict(self.selectors), **dict(outer.selectors)}.items()),
        )

    def __bool__(self) -> bool:
        return bool(self.metadata or self.templates or self.selectors)


@dataclass(frozen=True)
class _Transform:
    namespace: str | None = None
    prefix: str = ""
    suffix: str = ""
    # the release namespace of a helmCharts entry without its own: the nearest kustomization's
    # namespace, this one's first (kustomize ≥ 5.8, helmRootNamespace)
    helm_namespace: str | None = None
    root: bool = True  # the Application's kustomization, whose namespace the Application may set
    labels: Labels = field(default_factory=Labels)

    def inside(self, kustomization: dict[str, Any]) -> _Transform:
        """Outer kustomizations apply after inner ones: the outer namespace and labels win."""
        own = _str(kustomization.get("namespace"))
        return _Transform(
            self.namespace or own,
            self.prefix + (_str(kustomization.get("namePrefix")) or ""),
            (_str(kustomization.get("nameSuffix")) or "") + self.suffix,
            (self.namespace or own) if self.root else (own or self.helm_namespace),
            root=False,
            labels=_own_labels(kustomization).under(self.labels),
        )


def _own_labels(kustomization: dict[str, Any]) -> Labels:
    metadata: dict[str, str] = {}
    templates: dict[str, str] = {}
    selectors: dict[str, str] = {}
    common = _label_map(kustomization.get("commonLabels"))
    for reach in (metadata, templates, selectors):
        reach.update(common)
    for entry in as_list(kustomization.get("labels")):
        entry = as_dict(entry)
        pairs = _label_map(entry.get("pairs"))
        metadata.update(pairs)
        if entry.get("includeSelectors") is True:
            templates.update(pairs)
            selectors.update(pairs)
        elif entry.get("includeTemplates") is True:
            templates.update(pairs)
    return Labels(tuple(metadata.items()), tuple(templates.items()), tuple(selectors.items()))


def _label_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in as_dict(value).items() if v is not None}


# kustomize's commonLabels field specs (api/konfig/builtinpluginconsts/commonlabels.go): where a
# pod template's labels are, and which selectors it creates when missing (True) or only updates
_POD_TEMPLATES = {
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_SELECTORS: dict[str, tuple[tuple[tuple[str, ...], bool], ...]] = {
    "Deployment": ((("spec", "selector", "matchLabels"), True),),
    "ReplicaSet": ((("spec", "selector", "matchLabels"), True),),
    "DaemonSet": ((("spec", "selector", "matchLabels"), True),),
    "StatefulSet": ((("spec", "selector", "matchLabels"), True),),
    "Service": ((("spec", "selector"), True),),
    "ReplicationController": ((("spec", "selector"), True),),
    "Job": ((("spec", "selector", "matchLabels"), False),),
    "CronJob": ((("spec", "jobTemplate", "spec", "selector", "matchLabels"), False),),
    "PodDisruptionBudget": ((("spec", "selector", "matchLabels"), False),),
    "NetworkPolicy": ((("spec", "podSelector", "matchLabels"), False),),
}


def labelled(doc: YamlDoc, labels: Labels) -> YamlDoc:
    """The document with a kustomization's labels added as kustomize adds them (positions stay:
    a created field points at its nearest written parent)."""
    data = doc.data
    if not labels or not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        return doc
    data = copy.deepcopy(data)
    kind = data["kind"]
    _merge(data, ("metadata", "labels"), labels.metadata, create=True)
    template = _POD_TEMPLATES.get(kind)
    if template is not None:
        _merge(data, (*template, "metadata", "labels"), labels.templates, create=True)
    for path, create in _SELECTORS.get(kind, ()):
        _merge(data, path, labels.selectors, create=create)
    return YamlDoc(doc.path, doc.index, data, doc.source)


def _merge(data: dict[str, Any], path: tuple[str, ...], pairs: tuple[tuple[str, str], ...], create: bool) -> None:
    if not pairs:
        return
    node = data
    for key in path:
        child = node.get(key)
        if not isinstance(child, dict):
            if not create or child is not None:
                return
            child = node[key] = {}
        node = child
    node.update(pairs)


RESOURCE_FIX = "Point the entry at an existing file or a directory with its own kustomization.yaml"
_LISTS = ("resources", "bases", "components", "secretGenerator", "configMapGenerator", "helmCharts", "images")
_STRINGS = ("namespace", "namePrefix", "nameSuffix")


def _wrong_types(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Fields of a kustomization whose value kustomize cannot decode (sigs.k8s.io/yaml into Go
    types: a number is no string either): (field, what it must be)."""
    out = [(key, "a list") for key in _LISTS if data.get(key) is not None and not isinstance(data[key], list)]
    return out + [(key, "a string") for key in _STRINGS if data.get(key) is not None and not isinstance(data[key], str)]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _build_kustomization(
    files: RepoFiles, kfile: str, build: Build, visiting: set[str], outer: _Transform, components: tuple[str, ...] = ()
) -> None:
    if kfile in visiting:
        fields = {"reason": "it includes itself through its resources", "fix": "Remove the entry that leads back to it"}
        build.problems.append(Problem("LD008", Location(kfile), fields))
        return
    visiting = visiting | {kfile}
    build.kustomizations.append(kfile)
    docs = files.yaml(kfile, kustomize=True)
    if not docs or not isinstance(docs[0].data, dict):
        return
    doc = docs[0]
    data: dict[str, Any] = doc.data
    here = kfile.rsplit("/", 1)[0] if "/" in kfile else ""
    transform = outer.inside(data)

    for key, expected in _wrong_types(data):
        reason = f"`{key}` is not {expected}, so kustomize refuses the kustomization (and Argo CD's sync fails)"
        fields = {"reason": reason, "fix": f"Write `{key}` as {expected}"}
        build.problems.append(Problem("LD008", doc.location((key,)), fields))
    unsupported = sorted(k for k in data if k not in SUPPORTED)
    if unsupported:
        build.problems.append(
            Problem("LD007", doc.location((unsupported[0],)), {"fields": ", ".join(f"`{k}`" for k in unsupported)})
        )

    build.fragments.extend(_patch_files(data, here))
    for key in ("resources", "bases", "components"):
        for index, entry in enumerate(as_list(data.get(key))):
            _resource(files, str(entry), here, doc, (key, index), build, visiting, transform, kfile)
    for entry in components:  # the Application's `kustomize.components`, relative to the kustomization
        _resource(files, entry, here, doc, ("components",), build, visiting, transform, kfile)

    build.helm_charts.extend(_helm_charts(files, data, doc, here, transform, kfile, build))
    options = as_dict(data.get("generatorOptions"))
    for kind, key in (("Secret", "secretGenerator"), ("ConfigMap", "configMapGenerator")):
        for index, generator in enumerate(as_list(data.get(key))):
            if isinstance(generator, dict) and generator.get("name"):
                build.generated.append(_generated(kind, generator, doc, (key, index), files, here, transform, options))


def _values_file_layers(files: RepoFiles, here: str, names: list[Any]) -> list[ValuesLayer]:
    layers = []
    for value_file in names:
        path = posix_join(here, str(value_file)) if isinstance(value_file, str) and value_file else None
        values_docs = files.yaml(path) if path and files.exists(path) else []
        if path and values_docs and isinstance(values_docs[0].data, dict):
            layers.append(ValuesLayer(path, values_docs[0].data, values_docs[0]))
    return layers


VALUES_MERGE = ("override", "merge", "replace")  # kustomize's legalMergeOptions; override by default


def _helm_charts(
    files: RepoFiles, data: dict[str, Any], doc: YamlDoc, here: str, transform: _Transform, kfile: str, build: Build
) -> list[KustomizeChart]:
    home = _str(as_dict(data.get("helmGlobals")).get("chartHome")) or "charts"
    out = []
    for index, entry in enumerate(as_list(data.get("helmCharts"))):
        if not isinstance(entry, dict) or not _str(entry.get("name")):
            continue
        name = str(entry["name"])
        where: YamlPath = ("helmCharts", index)
        broken = _unbuildable_chart_entry(files, entry, here)
        if broken is not None:
            field_name, reason, fix = broken
            fields = {"reason": reason, "fix": fix}
            build.problems.append(Problem("LD008", doc.location((*where, field_name)), fields))
            continue  # kustomize build fails, and Argo CD with it
        named = [("valuesFile", entry.get("valuesFile"))]
        named += [("additionalValuesFiles", v) for v in as_list(entry.get("additionalValuesFiles"))]
        for key, url in named:
            if _is_url(url):
                fields = {"fields": f"a values file from a URL (`{url}`)"}
                build.problems.append(Problem("LD007", doc.location((*where, key)), fields))
        repo = _str(entry.get("repo"))
        version = _str(str(entry["version"])) if entry.get("version") is not None else None
        # where kustomize looks before it pulls (absChartHome): per version for a remote chart
        local = inside_repo(here, home, f"{name}-{version}" if version and repo else "", name)
        out.append(
            KustomizeChart(
                name,
                repo,
                version,
                _str(entry.get("releaseName")) or "release-name",  # `helm template`'s own default
                # without one, `helm template` runs without --namespace: Helm's `default`
                _str(entry.get("namespace")) or transform.helm_namespace or "default",
                tuple(_chart_values(files, entry, here, doc, where, kfile, build)),
                entry.get("includeCRDs") is True,
                local if local and files.exists(posix_join(local, "Chart.yaml")) else None,
                doc.location((*where, "name")),
                Included(doc, transform.namespace, transform.prefix, transform.suffix, kfile),
                skip_hooks=entry.get("skipHooks") is True,
                kube_version=_str(entry.get("kubeVersion")),
                api_versions=tuple(str(v) for v in as_list(entry.get("apiVersions"))),
            )
        )
    return out


def _is_url(value: Any) -> bool:
    """A values file kustomize's loader fetches rather than reads from the repository."""
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _unbuildable_chart_entry(files: RepoFiles, entry: dict[str, Any], here: str) -> tuple[str, str, str] | None:
    """Why kustomize refuses this helmCharts entry (the field, the reason, the fix), or None."""
    merge = entry.get("valuesMerge")
    if merge not in (None, "", *VALUES_MERGE):  # empty is the default, override
        options = ", ".join(f"`{m}`" for m in VALUES_MERGE)
        return "valuesMerge", f"`valuesMerge: {merge}` is none of {options}", f"Use one of {options}"
    inline = entry.get("valuesInline")
    # with `replace` and inline values, kustomize never reads the valuesFile
    read = entry.get("valuesFile") and not (merge == "replace" and isinstance(inline, dict) and inline)
    named = [("valuesFile", entry.get("valuesFile"))] if read else []
    named += [("additionalValuesFiles", f) for f in as_list(entry.get("additionalValuesFiles"))]
    for field_name, value in named:
        if _is_url(value):
            continue  # kustomize fetches it; the linter does not (its values are not applied)
        path = inside_repo(here, value) if isinstance(value, str) else None
        if path is None or not files.exists(path):
            reason = f"helmCharts `{entry['name']}`: values file `{value}` does not exist"
            return field_name, reason, "Point it at a values file in the repository, relative to the kustomization"
    return None


def _chart_values(
    files: RepoFiles, entry: dict[str, Any], here: str, doc: YamlDoc, where: YamlPath, kfile: str, build: Build
) -> list[ValuesLayer]:
    """The entry's values, weakest first. kustomize folds valuesInline and valuesFile into the
    first `-f` by `valuesMerge` (override: inline wins; merge: the file wins; replace: inline
    alone); additionalValuesFiles follow, so they override both (HelmChartInflationGenerator)."""
    given = _values_file_layers(files, here, [entry.get("valuesFile")])
    inline = entry.get("valuesInline")
    merge = entry.get("valuesMerge") or "override"  # checked by _unbuildable_chart_entry
    if isinstance(inline, dict) and inline:
        layer = ValuesLayer(f"{kfile} valuesInline", inline, doc, (*where, "valuesInline"))
        if merge == "merge" and not entry.get("valuesFile"):
            # the file is then the chart's own values.yaml, whose defaults win over the inline
            # values: not modelled, so reported, and the inline values are applied as override
            fields = "`valuesMerge: merge` without `valuesFile`"
            build.problems.append(Problem("LD007", doc.location((*where, "valuesMerge")), {"fields": fields}))
        given = {"override": [*given, layer], "merge": [layer, *given], "replace": [layer]}[merge]
    return given + _values_file_layers(files, here, as_list(entry.get("additionalValuesFiles")))


def _patch_files(kustomization: dict[str, Any], here: str) -> list[str]:
    """Files named by patches, patchesStrategicMerge and patchesJson6902: fragments of objects."""
    paths = [p for p in as_list(kustomization.get("patchesStrategicMerge")) if isinstance(p, str) and "\n" not in p]
    for key in ("patches", "patchesJson6902"):
        paths += [
            entry["path"]
            for entry in as_list(kustomization.get(key))
            if isinstance(entry, dict) and isinstance(entry.get("path"), str)
        ]
    return [posix_join(here, p) for p in paths]


def _resource(
    files: RepoFiles,
    entry: str,
    here: str,
    doc: YamlDoc,
    where: YamlPath,
    build: Build,
    visiting: set[str],
    transform: _Transform,
    kfile: str,
) -> None:
    if "://" in entry or entry.startswith(("github.com/", "git@")):
        build.problems.append(Problem("LD007", doc.location(where), {"fields": f"remote resource `{entry}`"}))
        return
    rel = posix_join(here, entry)
    if rel and files.exists(rel):
        build.selected += 1
        for item in files.yaml(rel, kustomize=True):
            labelled_item = labelled(item, transform.labels)
            build.included.append(
                Included(labelled_item, transform.namespace, transform.prefix, transform.suffix, kfile)
            )
        return
    inner = kustomization_file(files, rel) if rel else None
    if inner is not None:
        _build_kustomization(files, inner, build, visiting, transform)
        return
    reason = "it is a directory without a kustomization" if rel and files.is_dir(rel) else "it does not exist"
    build.problems.append(
        Problem(
            "LD008",
            doc.location(where),
            {"reason": f"resource `{entry}` cannot be built: {reason}", "fix": RESOURCE_FIX},
        )
    )


def _generated(
    kind: str,
    generator: dict[str, Any],
    doc: YamlDoc,
    where: YamlPath,
    files: RepoFiles,
    here: str,
    transform: _Transform,
    options: dict[str, Any],
) -> Included:
    """The object a generator makes. Only key names are kept: values never enter the model;
    whether a value looks like a credential is judged here, and kept as a yes/no per key."""
    keys: list[str] = []
    credentials: list[str] = []  # keys whose value (literal, env line, file) holds a credential

    def add(key: str, value: str) -> None:
        keys.append(key)
        if kind == "Secret" and holds_credential(key, value):
            credentials.append(key)

    for literal in as_list(generator.get("literals")):
        if isinstance(literal, str) and "=" in literal:  # anything else kustomize refuses: no key, no value shown
            add(*literal.split("=", 1))
    for entry in as_list(generator.get("files")):
        if isinstance(entry, str):
            key, _, name = entry.partition("=") if "=" in entry else (entry.rsplit("/", 1)[-1], "", entry)
            path = posix_join(here, name)
            content = files.read_text(path, used=False) if path and files.exists(path) else "?"
            add(key, content or "")  # read as text (`used=False`): its YAML problems are not the Secret's
    env_files = as_list(generator.get("envs")) + ([generator["env"]] if isinstance(generator.get("env"), str) else [])
    for env in env_files:
        env_path = posix_join(here, str(env))
        text = (files.read_text(env_path) or "") if env_path and files.exists(env_path) else ""
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                add(key.strip(), value.strip())
    data: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": generator["name"]},
        "data": dict.fromkeys(keys, ""),
    }
    if generator.get("namespace"):
        data["metadata"]["namespace"] = generator["namespace"]
    if kind == "Secret" and generator.get("type"):
        data["type"] = generator["type"]
    hashed = not (
        as_dict(generator.get("options")).get("disableNameSuffixHash") or options.get("disableNameSuffixHash")
    )
    data["metadata"]["annotations"] = {
        "m0sh1-lint/name-suffix-hash": "true" if hashed else "false",
        GENERATED_CREDENTIALS: ",".join(sorted(set(credentials))),
    }
    at = doc.location(where)
    synthetic = YamlDoc(doc.path, doc.index, data, KnownPositions({(): pack(at.line, at.column)}, at.line))
    return Included(synthetic, transform.namespace, transform.prefix, transform.suffix, doc.path)
