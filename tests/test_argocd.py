"""The Argo CD application graph on the layouts real repositories use, zero-config: each test
builds a git repository with a real remote (ssh form, while the Applications say https) and
checks which Applications `m0sh1-lint inventory apps --format json` lists as synced, and why."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import git_repo, lint_json
from linter.cli import main

REMOTE = "git@git.example.com:ops/homelab.git"
URL = "https://git.example.com/ops/homelab"  # the same repository, as Applications spell it


def repo(root: Path, files: dict[str, str], remote: str | None = REMOTE) -> Path:
    return git_repo(root, files, remote)


def app(
    name: str,
    path: str,
    namespace: str = "apps",
    *,
    directory: str = "",
    url: str = URL,
    meta_namespace: str | None = "argocd",
) -> str:
    meta = f"  name: {name}\n" + (f"  namespace: {meta_namespace}\n" if meta_namespace else "")
    source_extra = f"    directory:\n{directory}" if directory else ""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n{meta}spec:\n  project: default\n"
        f"  source:\n    repoURL: {url}\n    targetRevision: main\n    path: {path}\n{source_extra}"
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {namespace}\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )


def cm(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n"


def apps_json(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    assert main(["inventory", "apps", "--root", str(root), "--format", "json", str(root)]) == 0
    listed = json.loads(capsys.readouterr().out)["applications"]
    by_name = {a["name"]: a for a in listed}
    assert len(by_name) == len(listed), "names are unique in these layouts"
    return by_name


def synced(apps: dict[str, dict]) -> set[str]:
    return {name for name, a in apps.items() if a["enabled"]}


def test_app_of_apps_with_a_disabled_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo(
        tmp_path,
        {
            "argocd/root.yaml": app("root", "argocd/apps", "argocd", directory="      recurse: true\n"),
            "argocd/apps/cluster/storage.yaml": app("storage", "apps/storage"),
            "argocd/apps/user/web.yaml": app("web", "apps/web"),
            "argocd/disabled/user/old.yaml": app("old", "apps/old"),
            "apps/storage/cm.yaml": cm("storage"),
            "apps/web/cm.yaml": cm("web"),
            "apps/old/cm.yaml": cm("old"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"root", "storage", "web"}
    assert apps["root"]["why"] == "a root that deploys other Applications (app-of-apps): bootstrapped by hand"
    assert apps["web"]["parent"] == "root"
    assert apps["web"]["why"] == "deployed by the enabled Application `root`"
    assert apps["old"]["why"] == "no enabled Application deploys it"
    assert apps["web"]["sources"] == [
        {
            "type": "directory",
            "repoURL": URL,
            "path": "apps/web",
            "chart": None,
            "targetRevision": "main",
            "objects": 1,
        }
    ]
    assert apps["root"]["sources"][0]["objects"] == 2  # the two child Applications


def test_a_disabled_apps_objects_are_not_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  storageClassName: nope\n"
    root = repo(
        tmp_path,
        {
            "argocd/root.yaml": app("root", "argocd/apps", "argocd"),
            "argocd/apps/web.yaml": app("web", "apps/web"),
            "argocd/disabled/old.yaml": app("old", "apps/old"),
            "apps/web/cm.yaml": cm("web"),
            "apps/old/pvc.yaml": pvc,
            "stray/pvc.yaml": pvc,  # deployed by nothing at all
        },
    )
    code, document = lint_json(root, capsys=capsys)
    assert (code, document["findings"]) == (0, [])


def test_apps_folder_of_roots_each_deploying_a_folder_of_children(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        tmp_path,
        {
            "apps/infrastructure.yaml": app("infrastructure", "apps/infrastructure", "argocd"),
            "apps/applications.yaml": app("applications", "apps/applications", "argocd"),
            "apps/infrastructure/cert-manager.yaml": app("cert-manager", "manifests/cert-manager"),
            "apps/applications/web.yaml": app("web", "manifests/web"),
            "manifests/cert-manager/cm.yaml": cm("cert-manager"),
            "manifests/web/cm.yaml": cm("web"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"infrastructure", "applications", "cert-manager", "web"}
    assert apps["cert-manager"]["parent"] == "infrastructure"


def test_root_syncing_its_own_folder_recursively_with_exclude(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `path: argocd`, `recurse: true` deploys the root itself too (a cycle), and argocd/infra/*.
    root = repo(
        tmp_path,
        {
            "argocd/root.yaml": app(
                "root", "argocd", "argocd", directory="      recurse: true\n      exclude: 'archive/*'\n"
            ),
            "argocd/infra/dns.yaml": app("dns", "manifests/dns"),
            "argocd/infra/nested/metrics.yaml": app("metrics", "manifests/metrics"),
            "argocd/archive/legacy.yaml": app("legacy", "manifests/legacy"),
            "manifests/dns/cm.yaml": cm("dns"),
            "manifests/metrics/cm.yaml": cm("metrics"),
            "manifests/legacy/cm.yaml": cm("legacy"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"root", "dns", "metrics"}
    assert apps["legacy"]["why"] == "no enabled Application deploys it"


def test_helm_chart_rendering_child_applications(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = (
        "{{- range .Values.apps }}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
        "  name: {{ .name }}\n  namespace: argocd\nspec:\n  project: default\n  source:\n"
        f"    repoURL: {URL}\n    path: apps/{{{{ .name }}}}\n  destination:\n"
        "    server: https://kubernetes.default.svc\n    namespace: {{ .name }}\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n{{- end }}\n"
    )
    root = repo(
        tmp_path,
        {
            "bootstrap/root.yaml": app("root", "charts/root", "argocd"),
            "charts/root/Chart.yaml": "apiVersion: v2\nname: root\nversion: 1.0.0\n",
            "charts/root/values.yaml": "apps:\n  - name: web\n  - name: api\n",
            "charts/root/templates/apps.yaml": template,
            "apps/web/cm.yaml": cm("web"),
            "apps/api/cm.yaml": cm("api"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"root", "web", "api"}
    assert apps["api"]["file"] == "charts/root/templates/apps.yaml"
    assert apps["api"]["sources"][0]["objects"] == 1


def test_app_of_apps_chart_nobody_deploys_is_taken_as_installed_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\n"
        f"spec:\n  project: default\n  source:\n    repoURL: {URL}\n    path: apps/web\n  destination:\n"
        "    server: https://kubernetes.default.svc\n    namespace: web\n"
    )
    root = repo(
        tmp_path,
        {
            "root/Chart.yaml": "apiVersion: v2\nname: root\nversion: 1.0.0\n",
            "root/templates/web.yaml": template,
            "apps/web/cm.yaml": cm("web"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"root", "web"}
    assert apps["root"]["file"] == "root/Chart.yaml"
    assert apps["root"]["why"].startswith("a chart that renders Applications and that no Application deploys")


def _rendered_app(name: str, path: str, namespace: str = "argocd") -> str:
    """A chart template rendering one Application of `path` (Helm expressions allowed in both)."""
    return (
        f"---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
        f"spec:\n  project: default\n  source:\n    repoURL: {URL}\n    path: {path}\n  destination:\n"
        f"    server: https://kubernetes.default.svc\n    namespace: {namespace}\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )


def test_charts_that_render_each_other_are_walked_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The Argo CD chart, installed by hand, renders the root `homelab` that syncs the chart of
    # Applications, which renders `argo-cd` (self-management) and the apps: a cycle through two
    # charts nobody else deploys. It used to be walked forever, one level deeper each time.
    root = repo(
        tmp_path,
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
            "chart/templates/apps.yaml": _rendered_app("argo-cd", "products/argo-cd")
            + _rendered_app("web", "apps/web", "web"),
            "products/argo-cd/Chart.yaml": "apiVersion: v2\nname: argo-cd\nversion: 1.0.0\n",
            "products/argo-cd/templates/root.yaml": _rendered_app("homelab", "chart"),
            "apps/web/cm.yaml": cm("web"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"homelab", "argo-cd", "web"}
    # the stand-in for the hand-installed chart is called by the Application that really deploys it
    assert apps["homelab"]["file"] == "chart/Chart.yaml"
    assert apps["web"]["why"] == "deployed by the enabled Application `homelab`"


def test_a_rendered_application_that_renders_itself_is_one_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        tmp_path,
        {
            "bootstrap/root.yaml": app("root", "charts/root", "argocd"),
            "charts/root/Chart.yaml": "apiVersion: v2\nname: root\nversion: 1.0.0\n",
            "charts/root/templates/apps.yaml": _rendered_app("root", "charts/root") + _rendered_app("web", "apps/web"),
            "apps/web/cm.yaml": cm("web"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"root", "web"}
    assert apps["root"]["file"] == "bootstrap/root.yaml"


def test_an_application_of_the_same_name_in_another_cluster_is_another_application(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The hub's `root` deploys to the spoke cluster a chart whose Application is `root` too: an
    # object of the spoke's Argo CD, not the hub's `root` again.
    hub = app("root", "charts/spoke", "argocd").replace(
        "server: https://kubernetes.default.svc", "server: https://spoke.example.com:6443"
    )
    root = repo(
        tmp_path,
        {
            "bootstrap/root.yaml": hub,
            "charts/spoke/Chart.yaml": "apiVersion: v2\nname: spoke\nversion: 1.0.0\n",
            "charts/spoke/templates/root.yaml": _rendered_app("root", "apps/web", "web"),
            "apps/web/cm.yaml": cm("web"),
        },
    )
    assert main(["inventory", "apps", "--root", str(root), "--format", "json", str(root)]) == 0
    listed = json.loads(capsys.readouterr().out)["applications"]
    assert sorted((a["name"], a["file"], a["enabled"]) for a in listed) == [
        ("root", "bootstrap/root.yaml", True),
        ("root", "charts/spoke/templates/root.yaml", True),
    ]


def test_charts_rendering_ever_new_applications_stop_at_a_depth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each release renders an Application named after itself plus `x`, of the same chart: a chain
    # without end that no name repeats. The walk stops and says so (the repository is untrusted).
    root = repo(
        tmp_path,
        {
            "bootstrap/root.yaml": app("a", "charts/chain", "argocd"),
            "charts/chain/Chart.yaml": "apiVersion: v2\nname: chain\nversion: 1.0.0\n",
            "charts/chain/templates/next.yaml": _rendered_app("{{ .Release.Name }}x", "charts/chain"),
        },
    )
    code, report = lint_json(root, "--select", "AR013", capsys=capsys)
    assert code == 0
    [finding] = report["findings"]
    assert finding["file"] == "charts/chain/templates/next.yaml"
    assert finding["line"] == 4  # metadata:
    assert finding["message"] == (
        f"Application `a{'x' * 33}` is not fully checked: it is rendered more than 32 Applications deep, by charts "
        "that render one another under ever new names; what it deploys is not followed"
    )


def test_applicationset_with_git_directories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: workloads\n  namespace: argocd\n"
        f"spec:\n  generators:\n    - git:\n        repoURL: {URL}\n        revision: main\n"
        "        directories:\n          - path: workloads/*\n"
        "          - path: workloads/broken\n            exclude: true\n"
        "  template:\n    metadata:\n      name: '{{path.basename}}'\n    spec:\n      project: default\n"
        f"      source:\n        repoURL: {URL}\n        path: '{{{{path}}}}'\n"
        "      destination:\n        server: https://kubernetes.default.svc\n        namespace: '{{path.basename}}'\n"
        "      syncPolicy:\n        syncOptions: [CreateNamespace=true]\n"
    )
    root = repo(
        tmp_path,
        {
            "argocd/workloads.yaml": appset,
            "workloads/web/cm.yaml": cm("web"),
            "workloads/db/cm.yaml": cm("db"),
            "workloads/broken/cm.yaml": cm("broken"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"web", "db"}
    assert apps["web"]["generatedBy"] == "workloads"
    assert apps["web"]["destinationNamespace"] == "web"
    assert apps["db"]["sources"][0]["path"] == "workloads/db"


def test_multi_source_application_with_values_ref(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    multi = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\n"
        f"spec:\n  project: default\n  sources:\n    - repoURL: {URL}\n      path: charts/web\n"
        "      helm:\n        valueFiles: [$values/env/prod/web.yaml]\n"
        f"    - repoURL: {URL}\n      ref: values\n"
        "  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )
    pvc = (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n"
        "spec:\n  storageClassName: {{ .Values.storageClass }}\n"
    )
    root = repo(
        tmp_path,
        {
            "argocd/web.yaml": multi,
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
            "charts/web/values.yaml": "storageClass: fast\n",
            "charts/web/templates/pvc.yaml": pvc,
            "env/prod/web.yaml": "storageClass: fsat\n",
        },
    )
    apps = apps_json(root, capsys)
    assert [s["type"] for s in apps["web"]["sources"]] == ["helm", "ref"]
    _, document = lint_json(root, "--select", "SC001", capsys=capsys)
    [finding] = document["findings"]
    assert (finding["file"], finding["line"], finding["rule"]) == ("env/prod/web.yaml", 1, "SC001")


def test_source_in_another_repository_is_noted_not_guessed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo(
        tmp_path,
        {
            "argocd/web.yaml": app("web", "apps/web", url="https://github.com/someone/else.git"),
            "apps/web/cm.yaml": cm("web"),  # same path here, but another repository's
        },
    )
    apps = apps_json(root, capsys)
    assert apps["web"]["sources"][0]["type"] == "external"
    assert apps["web"]["sources"][0]["objects"] == 0
    _, document = lint_json(root, capsys=capsys)
    assert [(f["rule"], f["message"]) for f in document["findings"]] == [
        (
            "AR012",
            "Application `web` is not fully checked: its source `https://github.com/someone/else.git` is in another "
            "repository",
        )
    ]


def test_checkout_without_remote_trusts_paths_that_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo(
        tmp_path,
        {"argocd/web.yaml": app("web", "apps/web", url="https://anything.example/x.git"), "apps/web/cm.yaml": cm("w")},
        remote=None,
    )
    assert apps_json(root, capsys)["web"]["sources"][0]["type"] == "directory"


def test_two_clusters_keep_their_inventories_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sc = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\nprovisioner: x\n"
    pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  storageClassName: fast\n"
    config = (
        "argocd:\n  clusters:\n    - name: prod\n      roots: ['clusters/prod/**']\n"
        "    - name: lab\n      roots: ['clusters/lab/**']\n"
    )
    root = repo(
        tmp_path,
        {
            ".m0sh1-lint.yaml": config,
            "clusters/prod/storage.yaml": app("storage", "manifests/storage"),
            "clusters/lab/web.yaml": app("web", "manifests/web"),
            "manifests/storage/sc.yaml": sc,
            "manifests/web/pvc.yaml": pvc,
        },
    )
    apps = apps_json(root, capsys)
    assert (apps["storage"]["cluster"], apps["web"]["cluster"]) == ("prod", "lab")
    _, document = lint_json(root, "--select", "SC001", capsys=capsys)
    assert [(f["file"], f["rule"], f["clusters"]) for f in document["findings"]] == [
        ("manifests/web/pvc.yaml", "SC001", ["lab"])
    ]
    assert main(["lint", "--root", str(root), "--select", "SC001", "--no-color", str(root)]) == 1
    assert "which no enabled app defines [lab]" in capsys.readouterr().out


def test_roots_of_one_name_are_separate_argo_cd_instances(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # One bootstrap file per cluster, each applied to its own cluster by hand: the same name twice.
    root = repo(
        tmp_path,
        {
            "clusters/lab/root.yaml": app("root", "clusters/lab/apps", "argocd"),
            "clusters/prod/root.yaml": app("root", "clusters/prod/apps", "argocd"),
            "clusters/lab/apps/web.yaml": app("web", "manifests/web"),
            "clusters/prod/apps/web.yaml": app("web", "manifests/web"),
            "manifests/web/cm.yaml": cm("web"),
        },
    )
    code, document = lint_json(root, capsys=capsys)
    assert (code, document["findings"]) == (0, [])  # no AR016 duplicate name, no AR006 shared object
    listed = json.loads(_inventory(root, capsys))["applications"]
    assert sorted((a["name"], a["cluster"]) for a in listed) == [
        ("root", "clusters/lab"),
        ("root", "clusters/prod"),
        ("web", "clusters/lab"),
        ("web", "clusters/prod"),
    ]


def _inventory(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["inventory", "apps", "--root", str(root), "--format", "json", str(root)]) == 0
    return capsys.readouterr().out


def test_cycle_no_root_reaches_is_taken_as_applied_by_hand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo(
        tmp_path,
        {
            "a/a.yaml": app("a", "b", "argocd"),
            "b/b.yaml": app("b", "a", "argocd"),
            "argocd/root.yaml": app("root", "argocd/apps", "argocd"),
            "argocd/apps/web.yaml": app("web", "manifests/web"),
            "manifests/web/cm.yaml": cm("web"),
        },
    )
    apps = apps_json(root, capsys)
    assert synced(apps) == {"root", "web", "a", "b"}
    assert "cycle" in apps["a"]["why"] or "cycle" in apps["b"]["why"]


MALFORMED = {
    "argocd/no-name.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {}\nspec: {}\n",
    "argocd/spec-list.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec: [1]\n",
    "argocd/sources-map.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: sy}\n"
        "spec: {sources: {a: 1}, source: 3, destination: [], syncPolicy: {syncOptions: 5}}\n"
    ),
    "argocd/helm-odd.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: z}\n"
        "spec:\n  source:\n    path: charts/c\n    helm: {valueFiles: 7, parameters: [1, {name: a}], values: [1],"
        " fileParameters: [{name: b, path: ../../etc/passwd}]}\n"
    ),
    "argocd/set-unknown.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s1}\n"
        "spec:\n  generators: [{frobnicate: {}}, 3]\n  template: {metadata: {name: q}}\n"
    ),
    "argocd/set-bad-template.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s2}\n"
        "spec:\n  goTemplate: true\n  generators: [{list: {elements: [{a: 1}, 2]}}]\n"
        "  template: {metadata: {name: '{{ .a | nosuch }}'}}\n"
    ),
    "argocd/set-matrix.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s3}\n"
        "spec:\n  generators: [{matrix: {generators: [{list: {elements: [{a: 1}]}}]}}, {merge: 1}]\n"
        "  template: 'nope'\n"
    ),
    "charts/c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
}


def test_malformed_applications_and_applicationsets_never_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, MALFORMED)
    code, document = lint_json(root, capsys=capsys)
    assert code in (0, 1)
    rules = {f["rule"] for f in document["findings"]}
    assert "LN004" not in rules  # no check crashed
    by_file = {(f["file"], f["rule"]) for f in document["findings"]}
    assert {
        ("argocd/no-name.yaml", "AR004"),
        ("argocd/spec-list.yaml", "AR004"),
        ("argocd/set-bad-template.yaml", "AR014"),
        ("argocd/set-matrix.yaml", "AR014"),
        ("argocd/set-unknown.yaml", "AR013"),  # a generator kind it does not know: noted, not guessed
        ("argocd/sources-map.yaml", "KV002"),
    } <= by_file
    assert "root:" not in json.dumps(document)  # fileParameters outside the repo are never read


def test_a_thousand_applications(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {"argocd/root.yaml": app("root", "argocd/apps", "argocd")}
    for index in range(1000):
        files[f"argocd/apps/app-{index:04}.yaml"] = app(f"app-{index:04}", f"manifests/app-{index:04}")
        files[f"manifests/app-{index:04}/cm.yaml"] = cm(f"cm-{index}")
    root = repo(tmp_path, files)
    apps = apps_json(root, capsys)
    assert len(synced(apps)) == 1001


def test_kustomize_options_the_linter_does_not_apply_are_noted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kustomized = app("web", "apps/web").replace(
        "    path: apps/web\n", "    path: apps/web\n    kustomize:\n      namePrefix: prod-\n      patches: []\n"
    )
    root = repo(
        tmp_path,
        {
            "argocd/web.yaml": kustomized,
            "apps/web/kustomization.yaml": "resources: [cm.yaml]\n",
            "apps/web/cm.yaml": cm("web"),
        },
    )
    _, document = lint_json(root, capsys=capsys)
    assert [(f["rule"], f["line"], f["message"]) for f in document["findings"]] == [
        (
            "AR013",
            14,  # the `patches:` line
            "Application `web` is not fully checked: its kustomize options `patches` are not applied; the objects "
            "are checked without them",
        )
    ]


def pod(name: str, secret: str, annotations: str = "") -> str:
    meta = f"  name: {name}\n" + (f"  annotations:\n{annotations}" if annotations else "")
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n{meta}spec:\n  containers:\n    - name: c\n      image: busybox:1\n"
        f"      envFrom:\n        - secretRef:\n            name: {secret}\n"
    )


def test_objects_a_sync_never_applies_are_not_deployed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Helm tests and `Skip` objects are never applied by Argo CD (gitops-engine's syncPhases);
    # an install hook runs as a PreSync hook, so what it reads must exist.
    root = repo(
        tmp_path,
        {
            "argocd/web.yaml": app("web", "charts/web", "web"),
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
            "charts/web/templates/tests/test-connection.yaml": pod(
                "{{ .Release.Name }}-test", "test-only", '    "helm.sh/hook": test\n'
            ),
            "charts/web/templates/migrate.yaml": pod(
                "{{ .Release.Name }}-migrate", "migrate-credentials", '    "helm.sh/hook": pre-install,pre-upgrade\n'
            ),
            "argocd/plain.yaml": app("plain", "apps/plain", "plain"),
            "apps/plain/skipped.yaml": pod("skipped", "skipped-secret", "    argocd.argoproj.io/hook: Skip\n"),
            "apps/plain/rollback.yaml": pod("rollback", "rollback-secret", "    helm.sh/hook: pre-rollback\n"),
        },
    )
    code, document = lint_json(root, "--select", "SS001", capsys=capsys)
    assert [(f["rule"], f["file"], f["line"]) for f in document["findings"]] == [
        ("SS001", "charts/web/templates/migrate.yaml", 13)
    ]
    assert "migrate-credentials" in document["findings"][0]["message"] and code == 1
    apps = apps_json(root, capsys)
    assert (apps["web"]["sources"][0]["objects"], apps["plain"]["sources"][0]["objects"]) == (1, 0)


def test_a_warm_run_renders_no_go_template_and_scans_no_template_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ApplicationSet Go templates and chart templates are the same text every run: the second
    run takes their renders and `.Values` scans from the chart cache, with the same result."""
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: workloads\n  namespace: argocd\n"
        "spec:\n  goTemplate: true\n  goTemplateOptions: [missingkey=error]\n"
        "  generators:\n    - list:\n        elements: [{app: web}, {app: db}]\n"
        "  template:\n    metadata:\n      name: '{{ .app | upper | lower }}'\n    spec:\n      project: default\n"
        f"      source:\n        repoURL: {URL}\n        path: 'workloads/{{{{ .app }}}}'\n"
        "      destination:\n        server: https://kubernetes.default.svc\n        namespace: '{{ .app }}'\n"
        "      syncPolicy:\n        syncOptions: [CreateNamespace=true]\n"
    )
    pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
    pvc += "  storageClassName: {{ .Values.storageClass }}\n  accessModes: [ReadWriteOnce]\n"
    files = {
        "argocd/workloads.yaml": appset,
        "workloads/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "workloads/web/values.yaml": "storageClass: fast\n",
        "workloads/web/templates/pvc.yaml": pvc,
        "workloads/db/cm.yaml": cm("db"),
    }
    root = repo(tmp_path, files)
    _, first = lint_json(root, capsys=capsys)
    assert [(f["rule"], f["file"], f["line"]) for f in first["findings"]] == [("SC001", "workloads/web/values.yaml", 1)]

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("asked again on a warm run")

    monkeypatch.setattr("linter.loaders.argocd.appsets.render_go_templates", forbidden)
    monkeypatch.setattr("linter.loaders.helm.archive.scan", forbidden)
    _, second = lint_json(root, capsys=capsys)
    assert second == first


def test_a_warm_run_validates_no_unchanged_object_again_and_keeps_no_secret_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema validation results are kept in the chart cache by the object's content: the second
    run validates nothing it validated before, reports the same, and what is kept is redacted."""
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: two\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec:\n      containers: [{name: web, image: web:1}]\n"
    )
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: [hunter2-S3CRET]\n"
    root = repo(
        tmp_path, {"argocd/web.yaml": app("web", "apps/web"), "apps/web/objects.yaml": f"{deployment}---\n{secret}"}
    )
    _, first = lint_json(root, "--select", "KV", capsys=capsys)
    assert [(f["rule"], f["file"], f["line"]) for f in first["findings"]] == [
        ("KV001", "apps/web/objects.yaml", 6),
        ("KV001", "apps/web/objects.yaml", 18),
    ]

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated again on a warm run")

    monkeypatch.setattr("linter.checks.schema.issues", forbidden)
    _, second = lint_json(root, "--select", "KV", capsys=capsys)
    assert second == first
    kept = list(Path(os.environ["M0SH1_LINT_CACHE_DIR"]).rglob("schema-*.json"))
    assert len(kept) == 2 and not any("hunter2" in p.read_text() for p in kept)
