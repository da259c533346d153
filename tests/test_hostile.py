"""Hostile repositories (#12): each reproducer is a minimal repo; the run must end with exit
0, 1 or 2, within a time bound, without reading outside the repository or printing a marker."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import git_repo, lint_json
from linter.cli import main

URL = "https://git.example.com/ops/homelab"
MARKER = "OUTSIDE-MARKER-7f3a"


def app(name: str, path: str, namespace: str = "web") -> str:
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
        f"spec:\n  project: default\n  source:\n    repoURL: {URL}\n    targetRevision: main\n    path: {path}\n"
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {namespace}\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )


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
        ),
        "apps/web/backup.yaml": (
            "apiVersion: postgresql.cnpg.io/v1\nkind: ScheduledBackup\nmetadata:\n  name: db\nspec:\n"
            f"  schedule: '{'9' * 5000} 0 0 * * *'\n  cluster: {{name: db}}\n"
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    code, document = lint_json(root, capsys=capsys)
    assert code in (0, 1)
    assert "LN004" not in {f["rule"] for f in document["findings"]}
