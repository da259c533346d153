"""Chart-version rules against real temporary git repositories, and --fix / --diff."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from linter.cli import main

EXAMPLE = Path(__file__).parent.parent / "examples" / "homelab"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "homelab"
    shutil.copytree(EXAMPLE, root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def ch_findings(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[str, int, str, str]]:
    main(["--format", "json", "--select", "CH,LD009", "--ignore", "CH006", *args, str(root)])  # version rules
    return [(f["file"], f["line"], f["rule"], f["message"]) for f in json.loads(capsys.readouterr().out)["findings"]]


PVC = "apps/user/harbor/templates/pvc.yaml"


def test_worktree_change_without_bump(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / PVC, "storage: 100Gi", "storage: 120Gi")
    assert ch_findings(repo, capsys) == [
        (
            "apps/user/harbor/Chart.yaml",
            5,
            "CH001",
            "chart `harbor` changed since HEAD (templates/pvc.yaml), but its version stays `0.4.17`",
        )
    ]


def test_pull_request_base_uses_the_merge_base(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo / PVC, "storage: 100Gi", "storage: 120Gi")
    git(repo, "commit", "-qam", "grow registry")
    git(repo, "checkout", "-q", "main")
    edit(repo / "apps/cluster/valkey/values.yaml", "requestedSize: 10Gi", "requestedSize: 12Gi")
    git(repo, "commit", "-qam", "unrelated change on main")
    git(repo, "checkout", "-q", "feature")
    findings = ch_findings(repo, capsys, "--base", "main")
    assert [(f, line, rule) for f, line, rule, _ in findings] == [("apps/user/harbor/Chart.yaml", 5, "CH001")]
    assert "changed since main (merge base" in findings[0][3]


def test_staged_mode_ignores_unstaged_edits(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(repo / PVC, "storage: 100Gi", "storage: 120Gi")  # not staged
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert ch_findings(repo, capsys) == []
    git(repo, "add", PVC)
    assert [f[2] for f in ch_findings(repo, capsys)] == ["CH001"]


def test_unknown_base_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--select", "CH", "--base", "origin/main", str(repo)]) == 2
    err = capsys.readouterr().err
    assert "--base `origin/main` is not a commit here; fetch it first (git fetch origin main)" in err


def test_shallow_clone_explains_how_to_fetch(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "checkout", "-q", "-b", "other")
    git(repo, "commit", "-q", "--allow-empty", "-m", "x")
    git(repo, "checkout", "-q", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "y")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{repo}", str(clone)], check=True
    )
    assert main(["--select", "CH", "--base", "origin/other", str(clone)]) == 2
    assert "shallow clone: fetch more history" in capsys.readouterr().err


def test_outside_git_compares_nothing_quietly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "export"
    shutil.copytree(EXAMPLE, tree)
    assert ch_findings(tree, capsys) == []
    main(["-v", "--select", "CH", str(tree)])
    assert "chart versions not compared: not a git repository" in capsys.readouterr().err


def test_repository_without_commits_is_reported_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "fresh"
    shutil.copytree(EXAMPLE, tree)
    git(tree, "init", "-q")
    assert ch_findings(tree, capsys) == [
        (
            ".",
            1,
            "LD009",
            "chart versions not compared: the repository has no commits yet, so there is nothing to compare with",
        )
    ]


def test_fix_bumps_versions_and_renames_classes_idempotently(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / PVC, "storage: 100Gi", "storage: 120Gi")
    chart = repo / "apps/user/harbor/Chart.yaml"
    assert main(["--select", "CH001,SC", "--diff", str(repo)]) == 0
    diff = capsys.readouterr().out
    assert "-version: 0.4.17\n+version: 0.4.18\n" in diff
    assert "+    storageClass: proxmox-csi-zfs-nvme-fast-retain\n" in diff
    assert "version: 0.4.17" in chart.read_text()  # --diff writes nothing

    assert main(["--select", "CH001,SC", "--fix", str(repo)]) == 0
    capsys.readouterr()
    after_first = {p: p.read_text() for p in repo.rglob("*.yaml")}
    assert "version: 0.4.18" in chart.read_text()
    # comments and layout stay: only the value tokens changed
    values = (repo / "apps/user/harbor/values.yaml").read_text()
    assert (
        "    # ZFS dataset rpool/k8s/pgdata with 16K recordsize - optimized for PostgreSQL small random I/O\n"
        "    storageClass: proxmox-csi-zfs-nvme-fast-retain\n" in values
    )
    guard = (repo / "apps/user/harborguard/values.yaml").read_text()
    assert 'storageClassName: "proxmox-csi-zfs-sata-object-retain"' in guard  # quotes kept
    changed = set(git(repo, "diff", "--name-only").split())
    assert "apps/cluster/valkey/Chart.yaml" in changed  # the rename changed valkey: bumped in the same run

    assert main(["--select", "CH001,SC", "--fix", str(repo)]) == 0
    assert {p: p.read_text() for p in repo.rglob("*.yaml")} == after_first


def test_fix_outside_given_paths_is_reported_not_applied(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (repo / "apps/cluster/valkey/values.yaml").read_text()
    main(["--select", "SC", "--fix", "--root", str(repo), str(repo / "apps/user/harbor")])
    assert (repo / "apps/cluster/valkey/values.yaml").read_text() == before
    assert "proxmox-csi-zfs-nvme-fast-retain" in (repo / "apps/user/harbor/values.yaml").read_text()
