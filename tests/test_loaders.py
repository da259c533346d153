"""What the loaders make of a repo: kustomize builds, Argo CD value layers, vendored subcharts."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from chart_servers import tgz

from conftest import application, git_repo, lint_json
from linter.loaders.argocd.hooks import never_applied
from linter.loaders.repo import load_repo
from linter.model import Config


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / ".git").mkdir(exist_ok=True)
    return root


def app(name: str, path: str, namespace: str = "apps", helm: str = "") -> str:
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n"
        f"  source:\n    path: {path}\n{helm}    repoURL: https://git.example.com/homelab.git\n"
        f"  destination:\n    namespace: {namespace}\n  project: default\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )


SEALED = """apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: {name}
spec:
  encryptedData:
    password: AgBx
"""


def test_kustomize_builds_only_listed_resources(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "argocd/apps/secrets.yaml": app("secrets", "secrets", namespace="default"),
            "secrets/kustomization.yaml": "namespace: apps\nnamePrefix: p-\nresources:\n  - listed.yaml\n  - nested\n"
            "secretGenerator:\n  - name: gen\n    literals: [USER=admin, PASSWORD=x]\n"
            "    envs: [creds.env]\n",
            "secrets/creds.env": "# comment\nTOKEN=abc\n",
            "secrets/listed.yaml": SEALED.format(name="listed"),
            "secrets/forgotten.yaml": SEALED.format(name="forgotten"),
            "secrets/nested/kustomization.yaml": "resources: [inner.yaml]\n",
            "secrets/nested/inner.yaml": SEALED.format(name="inner"),
        },
    )
    model = load_repo(repo, Config())
    by_name = {r.id.name: r for r in model.resources}
    assert by_name["p-listed"].deployed and by_name["p-listed"].id.namespace == "apps"
    assert by_name["p-inner"].deployed and by_name["p-inner"].id.namespace == "apps"
    forgotten = by_name["forgotten"]
    assert not forgotten.deployed
    assert forgotten.note == "`secrets/kustomization.yaml` does not list it under `resources`"
    generated = by_name["p-gen"]
    assert generated.id.kind == "Secret" and generated.deployed
    assert sorted(generated.data["data"]) == ["PASSWORD", "TOKEN", "USER"]
    assert set(generated.data["data"].values()) == {""}  # key names only, never values
    assert generated.doc.location().line == 7  # the generator entry in the kustomization


def test_disabled_application_deploys_nothing(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "argocd/disabled/secrets.yaml": app("secrets", "secrets"),
            "secrets/one.yaml": SEALED.format(name="one"),
        },
    )
    [resource] = load_repo(repo, Config()).resources
    assert not resource.deployed
    assert resource.note == "only the disabled Application `secrets` deploys it"


MULTI_SOURCE_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  sources:
    - repoURL: https://git.example.com/homelab.git
      path: apps/web
      helm:
        valueFiles:
          - values.yaml
          - $values/env/prod.yaml
        values: |
          inline:
            storageClass: from-inline
        valuesObject:
          object:
            storageClass: from-object
        parameters:
          - name: param.storageClass
            value: from-param
    - repoURL: https://git.example.com/homelab.git
      ref: values
  destination:
    namespace: apps
  project: default
"""
PVCS = "".join(
    (
        f"---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {key}\nspec:\n  storageClassName: "
        f"{{{{ .Values.{key}.storageClass }}}}\n"
    )
    for key in ("base", "prod", "inline", "object", "param")
)


def test_values_layers_point_at_the_line_that_set_the_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = write(
        tmp_path,
        {
            "argocd/apps/web.yaml": MULTI_SOURCE_APP,
            "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "apps/web/values.yaml": "base:\n  storageClass: from-base\nprod:\n  storageClass: overridden\ninline: {}\n",
            "env/prod.yaml": "prod:\n  storageClass: from-prod\n",
            "apps/web/templates/pvc.yaml": PVCS,
        },
    )
    _, document = lint_json(repo, "--select", "SC001", capsys=capsys)
    # valuesObject replaces values (Argo CD passes one of them), so `from-inline` never renders
    assert [(f["file"], f["line"], f["message"].split("`")[3]) for f in document["findings"]] == [
        ("apps/web/values.yaml", 2, "from-base"),
        ("argocd/apps/web.yaml", 18, "from-object"),
        ("argocd/apps/web.yaml", 21, "from-param"),
        ("env/prod.yaml", 2, "from-prod"),
    ]


def test_vendored_subchart_renders_and_traces_to_parent_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = write(
        tmp_path,
        {
            "argocd/apps/web.yaml": app("web", "apps/web"),
            "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n"
            "  - name: cache\n    version: 1.0.0\n    repository: https://charts.example.com\n    alias: redis\n",
            "apps/web/values.yaml": "redis:\n  persistence:\n    storageClass: stale-class\n",
        },
    )
    archive = tgz(
        {
            "cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
            "cache/values.yaml": "persistence:\n  storageClass: ''\n",
            "cache/templates/pvc.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: cache\n"
            "spec:\n  storageClassName: {{ .Values.persistence.storageClass }}\n",
        }.items()
    )
    (repo / "apps/web/charts").mkdir()
    (repo / "apps/web/charts/cache-1.0.0.tgz").write_bytes(archive)
    _, document = lint_json(repo, capsys=capsys)
    # rendered by the vendored subchart, reported once (SC001, not SC002), at the parent's values line
    assert [(f["rule"], f["file"], f["line"]) for f in document["findings"]] == [("SC001", "apps/web/values.yaml", 3)]


def test_custom_rule_dir_adds_a_storage_class_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = write(
        tmp_path,
        {
            ".m0sh1-lint.yaml": "ruleDirs: [policy]\nselect: [SC901]\n",
            "policy/SC901-volsync-storage-class-unknown.yaml": (
                "id: SC901\nname: volsync-storage-class-unknown\nsummary: VolSync cache class.\nseverity: error\n"
                "check: storage-class-reference\nparams:\n  match: undefined\n  additionalReferences:\n"
                "    - kinds: [volsync.backube/ReplicationSource]\n      at: spec.restic\n"
                "      fields: [cacheStorageClassName]\n"
                'message: "{kind} `{name}` uses class `{class}`"\nhint: "Use one of: {defined}."\n'
                "docs: {what: w, why: w, fail: f, pass: p, how: h}\n"
            ),
            "argocd/apps/backup.yaml": app("backup", "backup"),
            "backup/rs.yaml": "apiVersion: volsync.backube/v1alpha1\nkind: ReplicationSource\nmetadata:\n  name: db\n"
            "spec:\n  restic:\n    cacheStorageClassName: nope\n",
        },
    )
    _, document = lint_json(repo, capsys=capsys)
    assert [(f["rule"], f["file"], f["line"], f["message"]) for f in document["findings"]] == [
        ("SC901", "backup/rs.yaml", 7, "ReplicationSource `db` uses class `nope`"),
    ]


def test_bad_custom_rule_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from linter.cli import main

    repo = write(
        tmp_path,
        {
            ".m0sh1-lint.yaml": "ruleDirs: [policy]\n",
            "policy/SC902-x.yaml": "id: SC902\nname: x\nsummary: s\nseverity: error\ncheck: storage-class-referenc\n"
            "message: m\nhint: h.\ndocs: {what: w, why: w, fail: f, pass: p, how: h}\n",
        },
    )
    assert main([str(repo)]) == 2
    err = capsys.readouterr().err
    assert err.strip().endswith(
        "policy/SC902-x.yaml: check: unknown check `storage-class-referenc` (did you mean `storage-class-reference`?)"
    )


def test_kustomize_patch_files_are_fragments_not_manifests(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "argocd/apps/secrets.yaml": app("secrets", "secrets"),
            "secrets/kustomization.yaml": (
                "resources: [one.yaml]\npatches:\n  - path: patch.yaml\npatchesStrategicMerge: [merge.yaml]\n"
            ),
            "secrets/one.yaml": SEALED.format(name="one"),
            "secrets/patch.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: one\nstringData:\n  x: y\n",
            "secrets/merge.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
        },
    )
    assert [r.id.name for r in load_repo(repo, Config()).resources] == ["one"]


# Plain scalars typed as Kubernetes types them (go-yaml v2 under sigs.k8s.io/yaml), not as PyYAML
# does: the table of docs/reference/kubernetes.md §2.5.
GO_TYPED = [
    ("1e+08", 100000000.0),
    ("1e8", 100000000.0),
    ("1.5e3", 1500.0),
    ("0x1F", 31),
    ("0X1F", 31),
    ("0o17", 15),
    ("017", 15),
    ("08", 8.0),
    ("-.5", -0.5),
    ("1_000", 1000),
    ("yes", True),
    ("on", True),
    ("y", True),
    ("N", False),
    ("yEs", "yEs"),
    ("~", None),
    ("", None),
    ("12:30", "12:30"),
    ("2026-01-01", "2026-01-01"),
    ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"),
    ("18446744073709551616", 1.8446744073709552e19),
    ("1e400", "1e400"),
    ("_1", "_1"),
    ("'1e8'", "1e8"),
    ('"y"', "y"),
]


@pytest.mark.parametrize(("text", "expected"), GO_TYPED, ids=[t or "(empty)" for t, _ in GO_TYPED])
def test_plain_scalars_are_typed_as_kubernetes_types_them(text: str, expected: object) -> None:
    from linter.loaders.yaml import parse_documents

    docs, problems = parse_documents(f"k: {text}\n", "x.yaml")
    value = docs[0].data["k"]
    assert not problems and value == expected and type(value) is type(expected)


# kustomize reads its inputs with go-yaml v3: only true/false are booleans, so `on`, `yes`, `y`
# stay strings (and kustomize writes them quoted); numbers and nulls resolve as before.
KUSTOMIZE_TYPED = [("on", "on"), ("Off", "Off"), ("yes", "yes"), ("y", "y"), ("N", "N"), ("true", True)]
KUSTOMIZE_TYPED += [("FALSE", False), ("017", 15), ("1e+08", 100000000.0), ("~", None)]


@pytest.mark.parametrize(("text", "expected"), KUSTOMIZE_TYPED, ids=[t for t, _ in KUSTOMIZE_TYPED])
def test_kustomize_inputs_keep_yaml_1_1_booleans_as_strings(text: str, expected: object) -> None:
    from linter.loaders.yaml import parse_documents

    docs, problems = parse_documents(f"k: {text}\n", "x.yaml", old_bools=False)
    value = docs[0].data["k"]
    assert not problems and value == expected and type(value) is type(expected)


def test_on_in_a_kustomize_resource_is_a_string_but_in_a_plain_directory_a_boolean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: llama\nspec:\n"
        "  selector:\n    matchLabels: {app: llama}\n  template:\n    metadata:\n      labels: {app: llama}\n"
        "    spec:\n      containers:\n        - name: server\n          image: llama:1.0\n"
        "          args:\n            - --flash-attn\n            - on\n"
    )
    root = write(
        tmp_path,
        {
            "apps/built.yaml": app("built", "built"),
            "apps/plain.yaml": app("plain", "plain"),
            "built/kustomization.yaml": "resources:\n  - deployment.yaml\n",
            "built/deployment.yaml": deployment,
            "plain/deployment.yaml": deployment,
        },
    )
    _, report = lint_json(root, "--select", "KV001", capsys=capsys)
    found = [(f["file"], f["line"], f["message"]) for f in report["findings"]]
    message = "Deployment `llama`: `spec.template.spec.containers[0].args[1]` is a boolean (`true`), expected a string"
    assert found == [("plain/deployment.yaml", 17, message)]


def test_infinities_stay_floats_for_the_number_parser() -> None:
    from linter.loaders.yaml import parse_documents

    docs, _ = parse_documents("a: .inf\nb: -.Inf\nc: .nan\n", "x.yaml")
    a, b, c = (docs[0].data[k] for k in "abc")
    assert a == float("inf") and b == float("-inf") and math.isnan(c)


def test_terraform_kubernetes_secrets_with_literal_names_are_declared(tmp_path: Path) -> None:
    from linter.loaders.files import RepoFiles
    from linter.loaders.terraform import scan_terraform

    main_tf = (
        'resource "kubernetes_secret" "a" {\n  metadata {\n    name = "alpha"\n    namespace = "ops"\n'
        '    annotations = {\n      name = "x"\n    }\n  }\n  data = { k = "}" }\n}\n'
        '/* resource "kubernetes_secret" "commented" { metadata { name = "no" } } */\n'
        'resource "kubernetes_secret_v1" "b" {\n  # namespace = "nope" }\n  metadata {\n    name = "beta"\n  }\n'
        "  data = {\n    cfg = <<EOT\n}}}\nEOT\n  }\n}\n"
        'resource "kubernetes_secret" "c" {\n  metadata {\n    name = "${var.x}"\n  }\n}\n'
        'resource "kubernetes_secret" "unclosed" {\n  metadata {\n    name = "gamma"\n'
    )
    nested = 'resource "kubernetes_secret" "deep" {\n  metadata {\n    name = "' + '${"' * 5000 + "\n}\n"
    root = write(tmp_path, {"infra/main.tf": main_tf, "infra/other.tf": 'variable "x" {}\n', "infra/deep.tf": nested})
    found = [
        (s.namespace, s.name, s.location.line if s.location else 0) for s in scan_terraform(RepoFiles(root)).secrets
    ]
    assert found == [("ops", "alpha", 1), ("default", "beta", 12)]


def test_terraform_secret_namespace_may_name_a_namespace_resource_of_its_module(tmp_path: Path) -> None:
    """OpenTofu's `*.tofu` files count; `namespace = kubernetes_namespace_v1.x.metadata[0].name`
    is that resource's literal name when the module (directory) defines it, else unknowable."""
    from linter.loaders.files import RepoFiles
    from linter.loaders.terraform import scan_terraform

    def secret(label: str, namespace: str) -> str:
        metadata = f'  metadata {{\n    name = "{label}"\n    {namespace}\n  }}\n'
        return f'resource "kubernetes_secret_v1" "{label}" {{\n{metadata}}}\n'

    namespace = 'resource "kubernetes_namespace_v1" "csi" {\n  metadata {\n    name = "csi-proxmox"\n  }\n}\n'
    files = {
        "tofu/csi/namespace.tofu": namespace,
        "tofu/csi/config.tofu": secret("csi-config", "namespace = kubernetes_namespace_v1.csi.metadata[0].name")
        + secret("old-style", "namespace = kubernetes_namespace_v1.csi.metadata.0.name")
        + secret("from-a-variable", "namespace = var.namespace"),
        "tofu/other/config.tf": secret("elsewhere", "namespace = kubernetes_namespace_v1.csi.metadata[0].name"),
    }
    found = [(s.namespace, s.name) for s in scan_terraform(RepoFiles(write(tmp_path, files))).secrets]
    assert sorted(found) == [("csi-proxmox", "csi-config"), ("csi-proxmox", "old-style")]


@pytest.mark.parametrize(
    ("template", "values", "tested"),
    [
        ("{{ with .Values.backup }}{{ .wal }}{{ end }}", [("backup",), ("backup", "wal")], [("backup",)]),
        ("{{ with .Values.res }}{{ toYaml . }}{{ end }}", [("res",), ("res",)], [("res",)]),
        ("{{ if .Values.on.enabled }}x{{ end }}", [("on", "enabled")], [("on", "enabled")]),
        ("{{ with $b := .Values.bound }}{{ $b.x }}{{ end }}", [("bound",)], []),
        ("{{ $root.Values.a.b }}", [("a", "b")], []),
        ('{{ dig "a" "b" "" .Values.AsMap }}', [()], []),
    ],
)
def test_template_scan_tells_tested_paths_from_reads(
    template: str, values: list[tuple[str, ...]], tested: list[tuple[str, ...]]
) -> None:
    from linter.loaders.helm.templates import scan

    refs = scan(template)
    assert [p for line in refs.values() for p in line.values] == values
    assert [p for line in refs.values() for p in line.tested] == tested


@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        (("apps", "web/values.yaml"), "apps/web/values.yaml"),
        (("apps/web", "../db", "./values.yaml"), "apps/db/values.yaml"),
        (("apps//web/", ""), "apps/web"),
        (("apps", "/base"), "base"),  # an absolute part starts again at the root, as a join does
        (("apps/web", "../../.."), None),
        (("..",), None),
        (("a/..", "."), ""),
        ((), ""),
    ],
)
def test_inside_repo_joins_and_normalises(parts: tuple[str, ...], joined: str | None) -> None:
    from linter.loaders.files import inside_repo

    assert inside_repo(*parts) == joined


def test_repo_walk_lists_files_and_vets_links(tmp_path: Path) -> None:
    from linter.loaders.files import RepoFiles

    root = tmp_path / "repo"
    for rel in ("b/z.yaml", "b/a/y.yaml", "a.yaml", "node_modules/x.yaml", "shared/pvc.yaml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("kind: ConfigMap\n")
    (tmp_path / "outside.yaml").write_text("secret: x\n")
    os.symlink(root / "shared/pvc.yaml", root / "b/link.yaml")  # inside: read as its target
    os.symlink(root / "shared", root / "linked-dir")  # a directory link: not followed, not reported
    os.symlink(tmp_path / "outside.yaml", root / "b/out.yaml")  # leaves the repo: reported
    os.symlink(root / "missing.yaml", root / "dangling.yaml")  # dangles: reported
    os.mkfifo(root / "b/pipe.yaml")  # would block a reader: reported, never opened

    files = RepoFiles(root, ("node_modules",))
    assert files.files == ["a.yaml", "b/a/y.yaml", "b/link.yaml", "b/z.yaml", "shared/pvc.yaml"]
    assert files.under("b") == ["b/a/y.yaml", "b/link.yaml", "b/z.yaml"]
    assert files.read_text("b/link.yaml") == "kind: ConfigMap\n"
    assert sorted((p.location.path, p.rule) for p in files.problems) == [
        ("b/out.yaml", "LD003"),
        ("b/pipe.yaml", "LD003"),
        ("dangling.yaml", "LD003"),
    ]


@pytest.mark.parametrize(
    ("annotations", "reason"),
    [
        ({}, None),
        ({"helm.sh/hook": "crd-install"}, None),  # no hook to Argo CD: a normal resource
        ({"helm.sh/hook": "pre-install"}, None),  # PreSync
        ({"helm.sh/hook": "post-upgrade, test"}, None),  # PostSync; the unknown value is dropped
        ({"helm.sh/hook": "test"}, "`helm.sh/hook: test`"),
        ({"helm.sh/hook": "test-success"}, "`helm.sh/hook: test-success`"),
        ({"helm.sh/hook": "pre-delete"}, "`helm.sh/hook: pre-delete`"),
        ({"helm.sh/hook": "crd-install,test"}, "`helm.sh/hook: crd-install,test`"),
        ({"argocd.argoproj.io/hook": "Skip"}, "`argocd.argoproj.io/hook: Skip`"),
        ({"argocd.argoproj.io/hook": "Skip,PreSync"}, None),  # Skip only counts alone
        ({"argocd.argoproj.io/hook": "PostDelete"}, "`argocd.argoproj.io/hook: PostDelete`"),
        # an Argo CD hook annotation replaces the Helm one, unless none of its values is known
        (
            {"argocd.argoproj.io/hook": "PostDelete", "helm.sh/hook": "pre-install"},
            "`argocd.argoproj.io/hook: PostDelete`",
        ),
        ({"argocd.argoproj.io/hook": "Sync", "helm.sh/hook": "test"}, None),
        ({"argocd.argoproj.io/hook": "Later", "helm.sh/hook": "pre-install"}, None),
        ({"argocd.argoproj.io/hook": "Later"}, "`argocd.argoproj.io/hook: Later`"),
    ],
)
def test_never_applied_follows_argo_cds_sync_phases(annotations: dict[str, str], reason: str | None) -> None:
    assert never_applied({"kind": "Pod", "metadata": {"name": "p", "annotations": annotations}}) == reason
    assert never_applied("not a mapping") is None


def test_a_template_scan_kept_in_the_cache_reads_back_as_it_was_and_a_damaged_one_is_a_miss() -> None:
    from linter.loaders.helm.templates import refs_as_json, refs_from_json, scan

    source = (
        '{{ with .Values.db }}{{ .host | default "localhost" }}{{ end }}\n'
        "{{ range .Values.items }}{{ .name }}{{ end }}\n{{ if .Values.on }}x{{ end }}\n"
    )
    refs = scan(source)
    assert refs and refs_from_json(json.loads(json.dumps(refs_as_json(refs)))) == refs
    for damaged in (
        None,
        {"1": []},
        [[1, [["a"]], ["d"]]],
        [["1", [], [], []]],
        [[1, [[2]], [], []]],
        [[1, [], [3], []]],
    ):
        assert refs_from_json(damaged) is None


def test_an_anchor_defined_again_means_the_latest_as_in_go_yaml() -> None:
    # Helm reads such values files (go-yaml accepts the redefinition); PyYAML's composer refuses
    # them ("found duplicate anchor"), which made a false LD001 on app-template values.
    from linter.loaders.yaml import parse_documents

    text = "hosts:\n  - host: &host a.example\n    tls: *host\n  - host: &host b.example\n    tls: *host\n"
    docs, problems = parse_documents(text, "values.yaml")
    assert problems == []
    assert docs[0].data == {
        "hosts": [{"host": "a.example", "tls": "a.example"}, {"host": "b.example", "tls": "b.example"}]
    }
    assert docs[0].location(("hosts", 1, "tls")).line == 5
    # an alias before any anchor of its name is still an error
    _, problems = parse_documents("a: *missing\nb: &missing x\nc: &missing y\n", "values.yaml")
    assert [p.rule for p in problems] == ["LD001"]


def test_a_key_a_template_renders_twice_is_ld002_at_the_template_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Helm and Argo CD read rendered manifests with go-yaml, which keeps the last value: the
    # template renders, and the repeated annotation silently drops the first.
    template = (
        "{{- if true }}\n{{- /* a comment line the output does not have */}}\napiVersion: v1\nkind: ConfigMap\n"
        "metadata:\n  name: web\n  annotations:\n    argocd.argoproj.io/sync-options: ServerSideApply=true\n"
        "    argocd.argoproj.io/sync-options: Delete=false\n{{- end }}\n"
    )
    files = {
        "argocd/web.yaml": application("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/templates/cm.yaml": template,
    }
    root = git_repo(tmp_path / "repo", files)
    _, report = lint_json(root, "--select", "LD", capsys=capsys)
    found = [(f["rule"], f["file"], f["line"], f["message"]) for f in report["findings"]]
    message = "key `argocd.argoproj.io/sync-options` appears again (first at line 8); the last one wins"
    assert found == [("LD002", "apps/web/templates/cm.yaml", 9, message)]


def test_a_namespace_the_repositorys_terraform_creates_is_no_missing_namespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = application("certs", "apps/certs", namespace="cert-manager").replace(
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n", ""
    )
    files = {
        "argocd/certs.yaml": app,
        "apps/certs/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: issuer\ndata: {a: b}\n",
    }
    root = git_repo(tmp_path / "without", files)
    _, report = lint_json(root, "--select", "AR011", capsys=capsys)
    assert [(f["rule"], f["file"]) for f in report["findings"]] == [("AR011", "argocd/certs.yaml")]
    terraform = 'resource "kubernetes_namespace_v1" "cert_manager" {\n  metadata {\n    name = "cert-manager"\n  }\n}\n'
    root = git_repo(tmp_path / "with", {**files, "bootstrap/namespaces.tf": terraform})
    _, report = lint_json(root, "--select", "AR011", capsys=capsys)
    assert report["findings"] == []
