"""What the sources of one Application deploy: the documents of its directory and kustomize
sources, and the objects Helm renders for its charts (each source as the repo-server builds it).

The graph walk (argocd/graph.py) calls the Deployer for every Application it meets, synced or
not: its output is how child Applications are found, and what the cluster (or a disabled app)
would hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import Chart, DirectorySource, HelmSource, Problem, SourceKind, ValuesLayer, YamlDoc, YamlPath
from .argocd.graph import Node
from .files import RepoFiles
from .helm.archive import TemplateSources
from .helm.render import render_release
from .kustomize import Build, build_directory
from .produced import Produced, Release


@dataclass
class Deployer:
    files: RepoFiles
    sources: TemplateSources
    chart: Callable[[str], Chart | None]  # chart directory → the chart (None: not a loadable chart)
    kube_version: str
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # Application key → its problems
    kustomizations: set[str] = field(default_factory=set)
    fragments: set[str] = field(default_factory=set)
    releases: list[Release] = field(default_factory=list)
    skipped: dict[str, list[tuple[YamlPath, str]]] = field(default_factory=dict)  # app key → (source, file)

    def __call__(self, node: Node) -> list[Produced]:
        spec = node.spec
        assert spec is not None, "only Applications deploy"
        problems = self.problems.setdefault(node.key, [])
        index = {info.where: i for i, info in enumerate(spec.sources)}
        out: list[Produced] = []
        for directory, where in spec.directories:
            build = build_directory(self.files, directory)
            problems.extend(build.problems)
            self.kustomizations.update(build.kustomizations)
            self.fragments.update(build.fragments)
            source = index[where]
            problems += self._patterns(spec.name, spec.doc, where, directory, build)
            if build.empty():
                problems.append(
                    Problem(
                        "AR007", spec.doc.location((*where, "path")), {"app": spec.name, "path": directory.path or "."}
                    )
                )
            self.skipped.setdefault(node.key, []).extend((where, rel) for rel in build.skipped)
            out += [Produced(item.doc, source, item.namespace, included=item) for item in build.included]
            out += [
                Produced(item.doc, source, item.namespace, rendered=True, included=item, kind=SourceKind.GENERATED)
                for item in build.generated
            ]
            if build.jsonnet:
                listed = ", ".join(f"`{f}`" for f in build.jsonnet[:3]) + (
                    " and more" if len(build.jsonnet) > 3 else ""
                )
                reason = f"its directory source evaluates Jsonnet ({listed}), which the linter does not"
                location = spec.doc.location((*where, "path"))
                problems.append(Problem("AR013", location, {"kind": "Application", "app": spec.name, "reason": reason}))
        wheres = [info.where for info in spec.sources if info.type == "helm"]
        for helm, where in zip(spec.helm, wheres, strict=True):
            out += self._render(node, helm, index[where])
        return out

    @staticmethod
    def _patterns(app: str, doc: YamlDoc, where: YamlPath, directory: DirectorySource, build: Build) -> list[Problem]:
        """AR008: an `include` that selects nothing, an `exclude` that removes nothing."""
        return [
            Problem(
                "AR008",
                doc.location((*where, "directory", key)),
                {"app": app, "field": key, "pattern": pattern, "path": directory.path},
            )
            for key, pattern, matched in (
                ("include", directory.include, build.include_matched),
                ("exclude", directory.exclude, build.exclude_matched),
            )
            if pattern and not matched and not build.kustomizations
        ]

    def _render(self, node: Node, helm: HelmSource, source: int) -> list[Produced]:
        chart = self.chart(helm.chart_dir)
        spec = node.spec
        if chart is None or spec is None or not chart.values_ok:
            return []  # Helm would fail on the same chart files; their problem is reported
        namespace = helm.namespace or spec.destination.namespace or "default"
        values_doc = chart.values_doc
        chart_layer = ValuesLayer(values_doc.path, values_doc.data, values_doc) if values_doc is not None else None
        # Helm merges values.yaml itself; it heads the layers for provenance only, once even when
        # the Application also lists it under valueFiles.
        user = tuple(
            layer
            for layer in (*self._file_layers(helm.value_files), *helm.values_layers)
            if chart_layer is None or layer.label != chart_layer.label
        )
        release = Release(node.key, chart, helm.release_name, namespace, ((chart_layer,) if chart_layer else ()) + user)
        self.releases.append(release)
        rendered, render_problems = render_release(
            self.files,
            self.sources,
            chart,
            user,
            helm.release_name,
            namespace,
            kube_version=helm.kube_version or self.kube_version,
            api_versions=helm.api_versions,
        )
        self.problems.setdefault(node.key, []).extend(render_problems)
        return [
            Produced(
                doc,
                source,
                None,
                rendered=True,
                kind=SourceKind.RENDERED,
                default_namespace=namespace,
                release=release,
                file=item,
            )
            for item in rendered
            for doc in item.docs
        ]

    def _file_layers(self, paths: tuple[str, ...]) -> list[ValuesLayer]:
        layers = []
        for path in paths:
            docs = self.files.yaml(path)
            if docs and isinstance(docs[0].data, dict):
                layers.append(ValuesLayer(path, docs[0].data, docs[0]))
        return layers
