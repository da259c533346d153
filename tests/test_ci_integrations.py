"""The PR gate as users run it: SARIF, workflow commands, the composite action, pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from conftest import copy_seed_after
from linter.cli import main

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "homelab"
SARIF_SCHEMA = ROOT.parent / "shared" / "reference" / "sarif-2.1.0.schema.json"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def sarif(tree: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    main(["--format", "sarif", *args, str(tree)])
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "homelab"
    shutil.copytree(EXAMPLE, copy)
    return copy


def test_sarif_validates_and_marks_suppressions(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not SARIF_SCHEMA.exists():
        pytest.skip("the official SARIF schema lives in ../shared/reference (present in CI)")
    (tree / ".m0sh1-lint.yaml").write_text(
        "ignorePaths:\n  - paths: ['apps/cluster/valkey/**']\n    reason: 'upstream chart values, tracked in #12'\n"
    )
    document = sarif(tree, capsys)
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text()))
    run = document["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["SC001"]["helpUri"].endswith("/docs/rules/SC001.md") and rules["SC001"]["help"]["markdown"].startswith(
        "# SC001"
    )
    valkey = [
        r
        for r in run["results"]
        if "valkey/values.yaml" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    ]
    assert valkey and all(
        r["suppressions"] == [{"kind": "external", "justification": "upstream chart values, tracked in #12"}]
        for r in valkey
    )
    first = run["results"][0]
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert all(r["ruleId"] == run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] for r in run["results"])


def test_sarif_fingerprints_survive_line_shifts(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def prints() -> dict[str, str]:
        results = sarif(tree, capsys, "--select", "SC")["runs"][0]["results"]
        return {r["message"]["text"]: r["partialFingerprints"]["m0sh1Lint/v1"] for r in results}

    before = prints()
    values = tree / "apps/user/harbor/values.yaml"
    values.write_text("# a comment that shifts every line\n" + values.read_text())
    assert prints() == before


def test_github_format_escapes_and_is_chosen_under_actions(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITEA_ACTIONS", "true")
    assert main(["--select", "SC003", str(tree)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "::error file=apps/user/harbor/templates/postgres-cluster.yaml,line=20,col=72,"
        "title=SC003 template-default-storage-class-unknown::template falls back to StorageClass"
    )
    assert all(line.startswith("::error ") for line in lines)
    from linter.report.github import _data, _property

    assert _property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert _data("50%\nok") == "50%25%0Aok"


def test_github_paths_are_relative_to_the_checkout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(EXAMPLE, checkout / "clusters" / "homelab")
    git(checkout, "init", "-q")
    main(["--format", "github", "--select", "SC003", str(checkout / "clusters" / "homelab")])
    assert "file=clusters/homelab/apps/user/harbor/templates/postgres-cluster.yaml" in capsys.readouterr().out


def test_fail_on_and_output_file(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / ".m0sh1-lint.yaml").write_text("severity: {SC: info, SS: info, PG: info, LD: info}\n")
    assert main(["--select", "SC", str(tree)]) == 0
    assert main(["--select", "SC", "--fail-on", "info", str(tree)]) == 1
    out_file = tmp_path / "report.sarif"
    capsys.readouterr()
    main(["--select", "SC", "--format", "sarif", "--output", str(out_file), "--no-color", str(tree)])
    assert json.loads(out_file.read_text())["version"] == "2.1.0"
    assert "SC001 storage-class-unknown" in capsys.readouterr().out  # the console still gets text


def test_action_inputs_and_scripts_agree() -> None:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text())
    inputs = set(action["inputs"])
    assert inputs == {
        "paths",
        "base",
        "fail-on",
        "sarif",
        "upload-sarif",
        "review",
        "token",
        "version",
        "python-version",
    }
    steps = action["runs"]["steps"]
    used = " ".join(json.dumps(step) for step in steps)
    for name in inputs:
        assert f"inputs.{name}" in used, name
    for step in steps:
        if "run" in step:
            script = step["run"].split('"')[1].replace("$ACTION_PATH/", "")  # the script, then its arguments
            assert (ROOT / script).is_file() and os.access(ROOT / script, os.X_OK)


def _pull_request_checkout(tmp_path: Path) -> Path:
    """origin (bare) with main; a shallow PR checkout whose branch changes a chart without a bump."""
    seed = tmp_path / "seed"
    copy_seed_after(seed)
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "main")
    git(seed, "checkout", "-q", "-b", "feature")
    pvc = seed / "apps/user/harbor/templates/pvc.yaml"
    pvc.write_text(pvc.read_text().replace("storage: 100Gi", "storage: 150Gi"))
    git(seed, "commit", "-qam", "grow the registry volume")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(origin)], check=True)
    work = tmp_path / "work"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{origin}", str(work)], check=True
    )
    return work


def test_action_lint_script_gates_a_pull_request(tmp_path: Path) -> None:
    work = _pull_request_checkout(tmp_path)
    bin_dir = Path(os.environ.get("VIRTUAL_ENV", Path(os.sys.executable).parent.parent)) / "bin"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "BASE": "main",
        "FAIL_ON": "error",
        "PATHS": ".",
        "SARIF": str(tmp_path / "out.sarif"),
        "ACTION_PATH": str(ROOT),
    }
    env.pop("PRE_COMMIT", None)
    done = subprocess.run(
        ["bash", str(ROOT / ".github/scripts/lint.sh")], cwd=work, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "::error file=apps/user/harbor/Chart.yaml,line=5,col=1,title=CH001 chart-version-not-bumped::" in done.stdout
    assert "changed since origin/main (merge base" in done.stdout
    assert json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]


@pytest.mark.skipif(
    shutil.which("pre-commit") is None and not (Path(os.sys.executable).parent / "pre-commit").exists(),
    reason="pre-commit is a dev dependency",
)
def test_pre_commit_hook_blocks_then_passes(tmp_path: Path) -> None:
    """The real pre-commit framework, running this checkout's hook with try-repo (no clone from the network)."""
    pre_commit = (
        str(Path(os.sys.executable).parent / "pre-commit")
        if (Path(os.sys.executable).parent / "pre-commit").exists()
        else "pre-commit"
    )
    repo = tmp_path / "gitops"
    copy_seed_after(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "clean state")
    env = {**os.environ, "PRE_COMMIT_HOME": str(Path.home() / ".cache" / "m0sh1-lint-pre-commit")}
    env.pop("PRE_COMMIT", None)

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "try-repo", str(ROOT), "m0sh1-lint"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    values = repo / "apps/user/harbor/values.yaml"
    values.write_text(
        values.read_text().replace("proxmox-csi-zfs-nvme-fast-retain", "proxmox-csi-zfs-nvme-fast-retian", 1)
    )
    git(repo, "add", "-A")
    failing = hook()
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "SC001 storage-class-unknown" in failing.stdout
    assert "did you mean `proxmox-csi-zfs-nvme-fast-retain`" in failing.stdout

    git(repo, "checkout", "-q", "--", ".")
    git(repo, "reset", "-q", "--hard")
    chart = repo / "apps/user/harbor/Chart.yaml"
    readme = repo / "apps/user/harbor/README.md"
    readme.write_text("# Harbor wrapper\n")
    git(repo, "add", "-A")
    passing = hook()
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "version: 0.4.18" in chart.read_text()
