"""What the sources of one Application deploy: the documents of its directory and kustomize
sources, and the objects Helm renders for its charts (each source as the repo-server builds it).

The graph walk (argocd/graph.py) calls the Deployer for every Application it meets, synced or
not: its output is how child Applications are found, and what the cluster (or a disabled app)
would hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import (
    Chart,
    ChartRef,
    DirectorySource,
    HelmSource,
    Location,
    Problem,
    SourceKind,
    UnrenderedChart,
    ValuesLayer,
    YamlDoc,
    YamlPath,
)
from .argocd.graph import Node
from .argocd.hooks import helm_template_drops, is_helm_hook, never_applied
from .charts import chart_from_archive
from .fetch.fetcher import Fetched
from .fetch.sources import chart_source
from .files import RepoFiles
from .helm.archive import TemplateSources
from .helm.package import FETCH_FIX, SOURCE_FIX, Packager, Packed, Subchart, unavailable
from .helm.render import ReleaseInput, render_release
from .kustomize import Build, Included, KustomizeChart, build_directory
from .produced import Produced, Release


@dataclass
class Deployer:
    files: RepoFiles
    sources: TemplateSources
    chart: Callable[[str], Chart | None]  # chart directory → the chart (None: not a loadable chart)
    kube_version: str
    packager: Packager
    api_versions: tuple[str, ...] = ()  # what the repository's CRDs add to .Capabilities.APIVersions
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # Application key → its problems
    kustomizations: set[str] = field(default_factory=set)
    fragments: set[str] = field(default_factory=set)
    releases: list[Release] = field(default_factory=list)
    unrendered: list[tuple[str, UnrenderedChart]] = field(default_factory=list)  # (app key, chart)
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
            for kustomize_chart in build.helm_charts:
                out += self._render_kustomize_chart(node, kustomize_chart, directory, source)
            if build.jsonnet:
                listed = ", ".join(f"`{f}`" for f in build.jsonnet[:3]) + (
                    " and more" if len(build.jsonnet) > 3 else ""
                )
                reason = f"its directory source is Jsonnet ({listed}), which the linter does not evaluate"
                location = spec.doc.location((*where, "path"))
                problems.append(Problem("AR013", location, {"kind": "Application", "app": spec.name, "reason": reason}))
        wheres = [info.where for info in spec.sources if info.type == "helm"]
        for helm, where in zip(spec.helm, wheres, strict=True):
            out += self._render(node, helm, index[where])
        for helm, where in spec.remote_helm:
            out += self._render_remote(node, helm, where, index[where])
        for info in spec.sources:
            if info.type == "unsupported" and info.plugin and info.path is not None:
                self._plugin_charts(node, info.path)
        for helm, chart_name in spec.external_charts:
            self._unrendered(node, helm, chart_name)  # AR012 says it is not checked
        return [p for p in out if never_applied(p.doc.data) is None]  # Helm tests, `Skip`: never synced

    def _plugin_charts(self, node: Node, path: str) -> None:
        """A config management plugin renders this directory, which the linter does not run; the
        `helmCharts` of its kustomization (most such plugins run `kustomize build --enable-helm`)
        are recorded as charts that did not render, for what they may create."""
        for entry in build_directory(self.files, DirectorySource(path)).helm_charts:
            helm = HelmSource(
                "",
                entry.release_name,
                (),
                entry.values,
                namespace=entry.namespace,
                forced_namespace=entry.transform.namespace,
            )
            self._unrendered(node, helm, entry.name)

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
        packed = self.packager.pack(chart)
        self.problems.setdefault(node.key, []).extend(packed.problems)
        return self._release(node, chart, packed, helm, source, None)

    def _render_remote(
        self, node: Node, helm: HelmSource, where: YamlPath, source: int, at: Location | None = None
    ) -> list[Produced]:
        """A chart taken straight from a Helm repository or an OCI registry (an Application's, or a
        kustomization's `helmCharts`); `at` is the line that names it."""
        spec, remote = node.spec, helm.remote
        assert spec is not None and remote is not None
        if at is None:
            at = spec.doc.location((*where, "chart" if not remote.repo_url.startswith("oci://") else "repoURL"))
        fetcher = self.packager.fetcher
        chart_source_ = chart_source(remote.repo_url, remote.name, self.packager.mirrors)
        problems = self.problems.setdefault(node.key, [])
        parent = f"Application `{spec.name}`"
        if fetcher is None or chart_source_ is None:
            reason, fix = (
                ("chart fetching is off", FETCH_FIX)
                if fetcher is None
                else (f"`{remote.repo_url}` is no repository URL", SOURCE_FIX)
            )
            problems.append(unavailable(remote.name, remote.version, remote.repo_url, parent, reason, at, fix))
            self._unrendered(node, helm, remote.name)
            return []
        result = fetcher.fetch(chart_source_, remote.version)
        if not isinstance(result, Fetched):
            problems.append(unavailable(remote.name, remote.version, remote.repo_url, parent, result.reason, at))
            self._unrendered(node, helm, remote.name)
            return []
        key, archive = self.packager.fetched_archive(result)
        chart = chart_from_archive(archive, f"{chart_source_.key}@{result.version}", at, self.sources)
        if chart is None:
            problems.append(Problem("LD005", at, {"reason": f"{remote.name} {result.version} has no Chart.yaml"}))
            return []
        packed = Packed.of(archive, tuple(Subchart(s, s, "", "vendored", at, s) for s in chart.vendored), key)
        return self._release(node, chart, packed, helm, source, at)

    def _unrendered(self, node: Node, helm: HelmSource, chart: str) -> None:
        spec = node.spec
        assert spec is not None
        landing = spec.destination.namespace or "default"
        namespaces = (
            (helm.forced_namespace,)
            if helm.forced_namespace
            else tuple(dict.fromkeys((helm.namespace or landing, landing)))  # templated, namespace-less
        )
        layers = (*self._file_layers(helm.value_files), *helm.values_layers)
        self.unrendered.append((node.key, UnrenderedChart(chart, helm.release_name, namespaces, spec.name, layers)))

    def _render_kustomize_chart(
        self, node: Node, entry: KustomizeChart, directory: DirectorySource, source: int
    ) -> list[Produced]:
        """A kustomization's `helmCharts` entry: a local chart under chartHome, or a remote one;
        its objects then get the kustomization's namespace and name prefix/suffix. Argo CD runs
        kustomize (≥ 5.3) with --helm-kube-version and --helm-api-versions (the Application's
        `kustomize.kubeVersion`/`apiVersions`, else the cluster's); an entry's own
        `kubeVersion`/`apiVersions` win over them, as HelmChartInflationGenerator.Config reads
        the entry after the flags."""
        spec = node.spec
        assert spec is not None
        helm = HelmSource(
            entry.local_dir or "",
            entry.release_name,
            (),
            entry.values,
            namespace=entry.namespace,
            skip_crds=not entry.include_crds,
            kube_version=entry.kube_version or directory.kube_version,
            api_versions=entry.api_versions or directory.api_versions,
            remote=None if entry.local_dir else ChartRef(entry.repo or "", entry.name, entry.version),
            forced_namespace=entry.transform.namespace,
        )
        if entry.local_dir is not None:
            produced = self._render(node, helm, source)
        elif entry.repo:
            produced = self._render_remote(node, helm, (), source, entry.at)
        else:
            reason = "it names no `repo` and no chart is under helmGlobals.chartHome"
            self.problems.setdefault(node.key, []).append(
                unavailable(
                    entry.name,
                    entry.version,
                    "(none)",
                    f"kustomization `{entry.transform.via}`",
                    reason,
                    entry.at,
                    SOURCE_FIX,
                )
            )
            self._unrendered(node, helm, entry.name)
            return []
        if entry.skip_hooks:  # kustomize's `helm template --no-hooks` leaves every hook out
            produced = [item for item in produced if not is_helm_hook(item.doc.data)]
        for item in produced:
            item.included = Included(
                item.doc,
                entry.transform.namespace,
                entry.transform.name_prefix,
                entry.transform.name_suffix,
                entry.transform.via,
            )
            item.namespace = entry.transform.namespace or item.namespace
        return produced

    def _release(
        self, node: Node, chart: Chart, packed: Packed, helm: HelmSource, source: int, selected_at: Location | None
    ) -> list[Produced]:
        spec = node.spec
        assert spec is not None
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
        layers = ((chart_layer,) if chart_layer else ()) + user
        scopes = tuple(s.scope for s in packed.subcharts)
        release = Release(node.key, chart, helm.release_name, namespace, layers, scopes)
        self.releases.append(release)
        options = ReleaseInput(
            helm.release_name,
            namespace,
            user,
            helm.kube_version or self.kube_version,
            # an Application's helm.apiVersions replace the cluster's (GetAPIVersionsOrDefault)
            helm.api_versions or self.api_versions,
            helm.skip_crds,
            selected_at,
            chart_layer,
            helm.skip_schema_validation,
        )
        fetcher = self.packager.fetcher
        rendered = render_release(self.files, self.sources, chart, packed, options, fetcher.cache if fetcher else None)
        self.problems.setdefault(node.key, []).extend(rendered.problems)
        out = [
            Produced(
                doc,
                source,
                None,
                rendered=True,
                kind=SourceKind.RENDERED,
                release=release,
                file=item,
            )
            for item in rendered.files
            for doc in item.docs
            if not helm_template_drops(doc.data)
        ]
        out += [Produced(doc, source, None, rendered=True, kind=SourceKind.RENDERED) for doc in rendered.crds]
        return out

    def _file_layers(self, paths: tuple[str, ...]) -> list[ValuesLayer]:
        layers = []
        for path in paths:
            docs = self.files.yaml(path)
            if docs and isinstance(docs[0].data, dict):
                layers.append(ValuesLayer(path, docs[0].data, docs[0]))
        return layers
