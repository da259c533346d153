"""Hostile repositories (#12): each reproducer is a minimal repo; the run must end with exit
0, 1 or 2, within a time bound, without reading outside the repository or printing a marker."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from chart_servers import http_repo

from conftest import application as app
from conftest import git_repo, lint_json
from linter.cli import main

MARKER = "OUTSIDE-MARKER-7f3a"


def workload(extra: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
        f"{extra}  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n"
        "    spec:\n      containers:\n        - {name: web, image: 'web:1'}\n"
    )


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the repository whose content must never show up."""
    marker = tmp_path / "outside.yaml"
    marker.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {MARKER}\n")
    return marker


def run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    started = time.monotonic()
    code = main(["lint", "--root", str(root), *args, str(root)])
    assert time.monotonic() - started < 60
    out, err = capsys.readouterr()
    assert code in (0, 1, 2) and "Traceback" not in err
    return code, out + err


# --- 2. config read from the repository points only inside it ----------------------------------


@pytest.mark.parametrize("where", ["absolute", "parent", "symlinked file"])
def test_repo_config_rule_dirs_stay_inside_the_repository(
    tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    rules = tmp_path / "rules-outside"
    rules.mkdir()
    (rules / "r.yaml").write_text(f"id: XX001\nname: {MARKER}\n")
    files = {"argocd/web.yaml": app("web", "apps/web"), "apps/web/cm.yaml": "kind: ConfigMap\n"}
    dirs = {"absolute": str(rules), "parent": "../rules-outside", "symlinked file": "policy"}[where]
    files[".m0sh1-lint.yaml"] = f"ruleDirs: ['{dirs}']\n"
    root = tmp_path / "repo"
    if where == "symlinked file":
        (root / "policy").mkdir(parents=True)
        os.symlink(outside, root / "policy/rule.yaml")
    git_repo(root, files)
    code, output = run(root, capsys)
    assert code == 2 and "must stay inside the repository" in output and MARKER not in output


def test_repo_config_that_links_out_of_the_repository_is_refused(
    tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web")})
    os.symlink(outside, root / ".m0sh1-lint.yaml")
    code, output = run(root, capsys)
    assert code == 2 and "a symbolic link out of the repository" in output and MARKER not in output


def test_a_config_given_on_the_command_line_may_point_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "policy"
    rules.mkdir()
    config = tmp_path / "user-config.yaml"
    config.write_text(f"ruleDirs: ['{rules}']\n")
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web"), "apps/web/cm.yaml": ""})
    code, _ = run(root, capsys, "--config", str(config))
    assert code in (0, 1)


# --- 3. an Application path that leaves the repository -----------------------------------------


def test_an_application_path_out_of_the_repository_is_ar001_and_deploys_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_repo(
        tmp_path / "repo",
        {"argocd/evil.yaml": app("evil", "../../../../tmp"), "apps/web/cm.yaml": "kind: ConfigMap\n"},
    )
    _, document = lint_json(root, "--select", "AR001", capsys=capsys)
    assert [(f["file"], f["rule"]) for f in document["findings"]] == [("argocd/evil.yaml", "AR001")]
    assert main(["inventory", "apps", "--root", str(root), "--format", "json", str(root)]) == 0
    [evil] = json.loads(capsys.readouterr().out)["applications"]
    assert [s.get("objects", 0) for s in evil["sources"]] == [0]


# --- 6, 7. files that never end -----------------------------------------------------------------


def test_a_named_pipe_in_the_tree_is_reported_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web"), "apps/web/cm.yaml": ""})
    os.mkfifo(root / "apps/web/pipe.yaml")
    _, document = lint_json(root, "--select", "LD003", capsys=capsys)
    assert [(f["file"], f["rule"]) for f in document["findings"]] == [("apps/web/pipe.yaml", "LD003")]
    assert "not a regular file" in document["findings"][0]["message"]


@pytest.mark.parametrize("name", ["HEAD", "config", "index"])
def test_a_named_pipe_in_dot_git_never_makes_git_wait(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web"), "apps/web/cm.yaml": ""})
    (root / ".git" / name).unlink()
    os.mkfifo(root / ".git" / name)  # git would block on it until its 30 s timeout, per call
    started = time.monotonic()
    code, output = run(root, capsys, "--offline")
    assert code in (0, 1)
    code, output = run(root, capsys, "--offline", "--changed")
    assert code == 2 and len(output.strip().splitlines()) == 1 and "--changed needs git" in output
    assert time.monotonic() - started < 10


def test_a_rule_file_linked_to_dev_zero_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web"), "policy/ok.txt": ""})
    (root / ".m0sh1-lint.yaml").write_text("ruleDirs: [policy]\n")
    os.symlink("/dev/zero", root / "policy/zero.yaml")
    code, _ = run(root, capsys)
    assert code == 2
    user = tmp_path / "user.yaml"
    user.write_text(f"ruleDirs: ['{root / 'policy'}']\n")
    code, output = run(root, capsys, "--config", str(user))  # trusted, but still not a regular file
    assert code == 2 and "not a regular file" in output


# --- 8. numbers no parser should choke on -------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        '  replicas: "²"\n',
        f"  replicas: {'9' * 5000}\n",
        "  replicas: .nan\n",
        "  replicas: -.inf\n",
    ],
    ids=["superscript", "5000-digits", "nan", "-inf"],
)
def test_odd_numbers_never_crash_a_check(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str) -> None:
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        "apps/web/deploy.yaml": workload(extra),
        "apps/web/pdb.yaml": (
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n"
            '  minAvailable: "nan%"\n  selector:\n    matchLabels: {app: web}\n'
        ),
        "apps/web/cluster.yaml": (
            "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: db\nspec:\n"
            f"  instances: {'1' * 5000}\n  storage: {{size: 1Gi}}\n"
            f"  backup:\n    retentionPolicy: '{'9' * 5000} days'\n"
        ),
        "charts/big/Chart.yaml": f"apiVersion: v2\nname: big\nversion: 1.{'9' * 5000}.0\n",
        "charts/range/Chart.yaml": (
            "apiVersion: v2\nname: range\nversion: 1.0.0\ndependencies:\n"
            f"  - {{name: x, version: '^{'9' * 5000}', repository: 'https://charts.example.com'}}\n"
        ),
        "apps/web/backup.yaml": (
            "apiVersion: postgresql.cnpg.io/v1\nkind: ScheduledBackup\nmetadata:\n  name: db\nspec:\n"
            f"  schedule: '{'9' * 5000} 0 0 * * *'\n  cluster: {{name: db}}\n"
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    code, document = lint_json(root, "--offline", capsys=capsys)
    assert code in (0, 1)
    assert "LN004" not in {f["rule"] for f in document["findings"]}
    assert ("charts/big/Chart.yaml", "CH002") in {(f["file"], f["rule"]) for f in document["findings"]}


def nested(depth: int) -> str:
    """Block-style mappings `depth` deep, as a generator of hostile files writes them."""
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + "  " * depth + "z: 1\n"


@pytest.mark.parametrize("depth", [150, 199, 400, 900])  # from 1000 on, PyYAML says LD001
def test_deep_nesting_is_ld006_in_manifests_and_values_and_never_stops_a_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "apps/web/values.yaml": "sc: old-sc\n" + nested(depth),
        "apps/web/templates/pvc.yaml": (
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
            "  storageClassName: {{ .Values.sc }}\n  accessModes: [ReadWriteOnce]\n"
            "  resources: {requests: {storage: 1Gi}}\n"
        ),
        "argocd/deep.yaml": app("deep", "apps/deep"),
        "apps/deep/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n" + nested(depth),
        "apps/sc/sc.yaml": (
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: new-sc\nprovisioner: x\n"
        ),
        "argocd/sc.yaml": app("sc", "apps/sc"),
        ".m0sh1-lint.yaml": "renames:\n  storageClasses: {old-sc: new-sc}\n",
    }
    root = git_repo(tmp_path / "repo", files)
    for fmt in ("text", "json"):
        code, _ = run(root, capsys, "--offline", "--format", fmt)
        assert code in (0, 1)
    code, document = lint_json(root, "--offline", capsys=capsys)
    deep = {f["file"] for f in document["findings"] if f["rule"] == "LD006"}
    assert deep == (set() if depth < 200 else {"apps/deep/cm.yaml", "apps/web/values.yaml"})
    assert "LN004" not in {f["rule"] for f in document["findings"]}
    code, output = run(root, capsys, "--offline", "--diff")
    assert code == 0 and "internal error" not in output


# --- 10. control characters from repo data are shown, not obeyed --------------------------------


def test_escape_sequences_and_newlines_from_the_repository_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pvc = (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
        '  storageClassName: "x\\e]0;pwned\\a\\e[2J\\r\\n::error file=README.md::forged\\u202e"\n'
        "  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n"
    )
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web"), "apps/web/pvc.yaml": pvc})
    for fmt in ("text", "github"):
        code, output = run(root, capsys, "--select", "SC001", "--format", fmt)
        assert code == 1
        assert not any(c in output for c in "\x1b\x07\r\u202e"), fmt
        assert not any(line.startswith("::error file=README.md") for line in output.splitlines()), fmt
        assert "\\e]0;pwned" in output
    code, output = run(root, capsys, "--bogus-flag")
    assert code == 2 and len(output.strip().splitlines()) == 1  # a usage error is one line too


# --- 9. secret values never printed -------------------------------------------------------------

SECRET_MARK = "hunter2-MARK-0451"
# a config whose rename gives the SC001 below a fix
RENAMES = "renames:\n  storageClasses:\n    old-class: new-class\ncluster:\n  storageClasses: [new-class]\n"


def outputs(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Everything every format prints for `root`."""
    text = ""
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        text += run(root, capsys, "--format", fmt, *args)[1]
    return text


def test_a_sealed_secret_template_value_is_hidden_in_schema_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sealed = (
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\n  namespace: web\nspec:\n"
        "  encryptedData:\n    password: AgBy3i4OJSWK\n  template:\n    data:\n      password: 4815162342\n"
    )
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web"), "apps/web/sealed.yaml": sealed})
    shown = outputs(root, capsys)
    assert "`spec.template.data.password` is an integer (`(value hidden)`)" in shown
    assert "4815162342" not in shown


def test_malformed_generator_literals_are_not_shown_as_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kustomization = (
        "namespace: web\nsecretGenerator:\n  - name: db\n"
        f"    literals:\n      - {SECRET_MARK}\n      - {{user: {SECRET_MARK}}}\n      - user=admin\n"
    )
    root = git_repo(
        tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web"), "apps/web/kustomization.yaml": kustomization}
    )
    for fmt in ("text", "json"):
        main(["inventory", "secrets", "--root", str(root), "--format", fmt, str(root)])
        shown = capsys.readouterr().out
        assert "user" in shown and SECRET_MARK not in shown


@pytest.mark.parametrize(
    ("template", "schema"),
    [
        ('{{ fail (printf "bad password %s" .Values.auth.password) }}\n', None),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
            '{"properties": {"auth": {"properties": {"password": {"type": "string", "pattern": "^[a-f0-9]{64}$"}}}}}',
        ),
    ],
    ids=["fail-message", "schema-pattern"],
)
def test_helm_messages_never_carry_a_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str, schema: str | None
) -> None:
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/values.yaml": f"auth:\n  password: {SECRET_MARK}\n",
        "apps/web/templates/t.yaml": template,
    }
    if schema:
        files["apps/web/values.schema.json"] = schema
    root = git_repo(tmp_path / "repo", files)
    shown = outputs(root, capsys)
    assert ("LD011" if schema else "LD004") in shown
    assert SECRET_MARK not in shown and "***" in shown


def test_diff_context_masks_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        ".m0sh1-lint.yaml": RENAMES,
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/values.yaml": f"db:\n  password: {SECRET_MARK}\n  storageClass: old-class\n  user: admin\n",
        "apps/web/templates/pvc.yaml": (
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
            "  storageClassName: {{ .Values.db.storageClass }}\n  accessModes: [ReadWriteOnce]\n"
            "  resources:\n    requests:\n      storage: 1Gi\n"
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    _, shown = run(root, capsys, "--diff")
    assert "+  storageClass: new-class" in shown and "   password: ***" in shown
    assert SECRET_MARK not in shown


def test_diff_context_masks_a_one_line_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        ".m0sh1-lint.yaml": RENAMES,
        "apps/web/all.yaml": (  # the Secret's line is within the diff's context of the edit
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
            "  accessModes: [ReadWriteOnce]\n  storageClassName: old-class\n---\n"
            f"{{apiVersion: v1, kind: Secret, metadata: {{name: db}}, stringData: {{password: {SECRET_MARK}}}}}\n"
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    _, shown = run(root, capsys, "--diff")
    assert "+  storageClassName: new-class" in shown and "stringData: {***}}" in shown
    assert SECRET_MARK not in shown


# --- 17-20. one-line errors, not internal errors or silence -------------------------------------


def test_user_errors_are_one_line_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain"  # no git
    (plain / "apps").mkdir(parents=True)
    (plain / ".m0sh1-lint.yaml").write_text("select: [SC]\n")
    cases = [
        (["--output", str(tmp_path / "missing/out.json"), "--format", "json"], "cannot write it"),
        (["--write-baseline", str(tmp_path / "missing/b.json")], "cannot write it"),
        (["--base", "main"], "is not inside a git work tree"),
        (["--changed"], "is not inside a git work tree"),
        (["--baseline", "/dev/zero"], "--baseline `/dev/zero`: it is not a regular file"),
        (["--baseline", str(tmp_path / "nested.json")], "it is not JSON as --write-baseline writes it"),
        (["--baseline", str(tmp_path / "shape.json")], "it needs `findings`, a list of objects with a `fingerprint`"),
    ]
    (tmp_path / "nested.json").write_text("[" * 100_000)
    (tmp_path / "shape.json").write_text('{"findings": [{"fingerprint": null}]}')
    for args, expected in cases:
        code, output = run(plain, capsys, *args)
        assert code == 2 and expected in output and len(output.strip().splitlines()) == 1, args
    for config, expected in [
        ("select: [SC]\n---\nselect: [NP]\n", "it holds 2 YAML documents"),
        ("paths:\n  charts: ['../../..']\n", "paths.charts entry `../../..` leaves the repository"),
    ]:
        (plain / ".m0sh1-lint.yaml").write_text(config)
        code, output = run(plain, capsys)
        assert code == 2 and expected in output


def test_changed_files_with_names_git_would_quote_are_seen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/templates/cm-ü.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    }
    root = git_repo(tmp_path / "repo", files)
    (root / "apps/web/templates/cm-ü.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    _, document = lint_json(root, "--select", "CH001", capsys=capsys)
    assert [(f["file"], f["rule"]) for f in document["findings"]] == [("apps/web/Chart.yaml", "CH001")]


# --- 11-14. --fix writes everything or nothing; --diff shows exactly that ------------------------


def _fixable_repo(tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "homelab", tree)
    return git_repo(tree, {}, remote=None)


def _texts(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
    }


def test_diff_shows_the_version_bumps_fix_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _fixable_repo(tmp_path)
    _, shown = run(root, capsys, "--diff")
    assert "+++ b/apps/user/harbor/values.yaml" in shown and "+++ b/apps/user/harbor/Chart.yaml" in shown
    before = _texts(root)
    run(root, capsys, "--fix")
    after = _texts(root)
    written = {p for p in after if after[p] != before.get(p)}
    assert written == {line[6:] for line in shown.splitlines() if line.startswith("+++ b/")}


def test_a_failure_while_writing_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _fixable_repo(tmp_path)
    stale = root / "apps/user/harbor/.values.yaml.x1y2z3w4.m0sh1-lint"
    before = _texts(root)
    calls: list[int] = []
    real = os.fsync

    def failing(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", failing)
    code, output = run(root, capsys, "--fix")
    assert code == 2 and "nothing was changed" in output
    assert _texts(root) == before  # no file changed, no temp left
    monkeypatch.setattr(os, "fsync", real)
    stale.write_text("half")
    code, output = run(root, capsys, "--fix")
    assert not stale.exists() and "left by an interrupted --fix" in output


def test_a_rename_that_fails_midway_puts_back_what_was_renamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renames are the one step that cannot be planned away: if the second fails (a disk
    error, a file made immutable meanwhile), the first file gets its old text back."""
    root = _fixable_repo(tmp_path)
    before = _texts(root)
    real = os.replace
    renames: list[str] = []

    def second_fails(source: str, target: Path) -> None:
        renames.extend([str(target)] if Path(target).is_relative_to(root) else [])  # not the caches
        if len(renames) == 2 and Path(target).is_relative_to(root):
            raise OSError(5, "Input/output error")
        real(source, target)

    monkeypatch.setattr(os, "replace", second_fails)
    code, output = run(root, capsys, "--fix")
    assert code == 2 and len(output.strip().splitlines()) == 1
    assert output == (
        "m0sh1-lint: error: renaming into apps/cluster/valkey/values.yaml failed (Input/output error); "
        "apps/cluster/valkey/Chart.yaml restored, so nothing was changed\n"
    )
    assert _texts(root) == before  # the renamed file restored, no temp left


def test_a_utf16_manifest_is_reported_not_fixed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pvc = (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  storageClassName: old-class\n"
        "  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n"
    )
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        ".m0sh1-lint.yaml": RENAMES,
    }
    root = tmp_path / "repo"
    (root / "apps/web").mkdir(parents=True)
    (root / "apps/web/pvc.yaml").write_bytes(pvc.encode("utf-16"))
    git_repo(root, files)
    assert "SC001" in run(root, capsys, "--select", "SC001")[1]  # read in its encoding
    for mode in ("--diff", "--fix"):
        code, output = run(root, capsys, mode)
        assert code in (0, 1) and "not a regular UTF-8 text file" in output
    assert (root / "apps/web/pvc.yaml").read_bytes() == pvc.encode("utf-16")


# --- 15. a template whose first documents render empty ---------------------------------------------

PVC_DOC = (
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\nspec:\n  accessModes: [ReadWriteOnce]\n"
    "  storageClassName: {cls}\n  resources:\n    requests:\n      storage: 1Gi\n"
)


def test_documents_after_ones_that_rendered_empty_map_to_their_own_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two `if`-disabled documents, then one with a literal class: Helm's output keeps the two
    `---`, and the finding (and its fix) must land on the literal, not on a disabled document."""
    template = (
        "{{- if .Values.cache.enabled }}\n" + PVC_DOC.format(name="cache", cls="fast") + "{{- end }}\n---\n"
        "{{- if .Values.data.enabled }}\n"
        + PVC_DOC.format(name="data", cls="fast")
        + "{{- end }}\n---\n"
        + PVC_DOC.format(name="logs", cls="old-class")
    )
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/values.yaml": "cache:\n  enabled: false\ndata:\n  enabled: false\n",
        "apps/web/templates/pvcs.yaml": template,
        ".m0sh1-lint.yaml": RENAMES,
    }
    root = git_repo(tmp_path / "repo", files)
    literal = template.splitlines().index("  storageClassName: old-class") + 1
    assert literal == 33
    _, found = lint_json(root, "--select", "SC001", capsys=capsys)
    assert [(f["file"], f["line"], f["column"]) for f in found["findings"]] == [("apps/web/templates/pvcs.yaml", 33, 3)]
    run(root, capsys, "--fix", "--select", "SC001")
    fixed = (root / "apps/web/templates/pvcs.yaml").read_text().splitlines()
    assert fixed[32] == "  storageClassName: new-class" and fixed.count("  storageClassName: fast") == 2


# --- 16. invalid UTF-8 ----------------------------------------------------------------------------


def test_invalid_utf8_in_a_helm_message_or_a_template_is_contained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/templates/fail.yaml": '{{ fail (b64dec "/w==") }}\n',
    }
    root = tmp_path / "repo"
    (root / "apps/web/templates").mkdir(parents=True)
    (root / "apps/web/templates/latin1.yaml").write_bytes(b"kind: ConfigMap\nmetadata: {name: caf\xe9}\n")
    git_repo(root, files)
    _, document = lint_json(root, "--select", "LD003,LD004", capsys=capsys)
    found = sorted((f["file"], f["rule"]) for f in document["findings"])
    assert found == [("apps/web/templates/fail.yaml", "LD004"), ("apps/web/templates/latin1.yaml", "LD003")]


# --- 1. nothing a chart contains reaches the network ----------------------------------------------


def test_schema_references_to_the_network_are_never_followed(
    tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with http_repo(tmp_path / "served") as listener:
        (tmp_path / "served" / "enum.json").write_text(f'{{"enum": ["{MARKER}"]}}')
        schema = (
            '{"properties": {"replicas": {"$ref": "' + listener.url + '/enum.json"}, '
            '"mode": {"$ref": "file://' + str(outside) + '"}, "x": {"$ref": "../../outside.yaml"}}}'
        )
        files = {
            "argocd/web.yaml": app("web", "apps/web"),
            "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "apps/web/values.yaml": "replicas: 2\nmode: a\nx: 1\n",
            "apps/web/values.schema.json": schema,
            "apps/web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n",
        }
        root = git_repo(tmp_path / "repo", files)
        _, output = run(root, capsys, "--format", "json")
        assert listener.requests == []  # no connection at all
    assert MARKER not in output and "LD004" not in output


def test_odd_crd_shapes_never_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.example.com}\n"
        "spec: {group: example.com, names: {kind: X}, versions: 5}\n"
    )
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app("web", "apps/web"), "apps/web/crd.yaml": crd})
    code, output = run(root, capsys)
    assert code in (0, 1) and "LN004" not in output


def test_diff_masks_a_secret_whose_kind_line_has_a_comment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "argocd/web.yaml": app("web", "apps/web"),
        ".m0sh1-lint.yaml": RENAMES,
        "apps/web/all.yaml": (  # the Secret's value is in the diff's context lines
            "apiVersion: v1\nkind: Secret  # made by hand\nmetadata: {name: s}\nstringData:\n"
            f"  token-value: {SECRET_MARK}\n---\nkind: PersistentVolumeClaim\n"
            "spec: {storageClassName: old-class, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n"
            "apiVersion: v1\nmetadata: {name: data}\n"
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    _, shown = run(root, capsys, "--diff")
    assert "+spec: {storageClassName: new-class" in shown and "   token-value: ***" in shown
    assert SECRET_MARK not in shown


@pytest.mark.parametrize(
    ("key", "credential"),
    [
        ("password", True),
        ("dbPassword", True),
        ("DB_PASSWORD", True),
        ("api_key", True),
        ("clientSecret", True),
        ("authToken", True),
        ("secretAccessKey", True),
        ("bypass", False),
        ("existingSecret", False),
        ("secretName", False),
        ("tokenTTL", False),
        ("passwordPolicy", False),
    ],
)
def test_which_keys_hold_credentials(key: str, credential: bool) -> None:
    from linter.core.sensitive import is_credential_key

    assert is_credential_key(key) is credential
