"""Every fixture tree under tests/fixtures/<RULE>/<fail|pass|fix>.<scenario>/ is linted with all
rules; its findings must equal expected.txt exactly. `pytest --update-goldens` rewrites them.

Scenarios are copied out of this checkout before linting, so git history never leaks in, and
each becomes a git repository whose `origin` remote is the URL its Applications name
(`https://git.example.com/homelab.git`, or the one in a `.git-remote` file). Normally the tree
is committed as it is. A scenario with a `.base/` directory commits the tree with `.base/`'s
files laid over it (the base), then the scenario's own files are the working tree. A
`.git-empty` marker makes a repository without commits.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, golden_text, lint_json

DEFAULT_REMOTE = "https://git.example.com/homelab.git"
MARKERS = ("expected.txt", ".git-empty", ".git-remote", ".base")
GIT = ["git", "-c", "user.name=fixture", "-c", "user.email=fixture@example.com", "-c", "commit.gpgsign=false"]
SCENARIOS = sorted(p for p in FIXTURES.glob("*/*") if p.is_dir() and p.name.split(".")[0] in ("fail", "pass"))


def init_repo(scenario: Path, work: Path) -> None:
    remote_file = scenario / ".git-remote"
    remote = remote_file.read_text().strip() if remote_file.exists() else DEFAULT_REMOTE
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=work, check=True)
    subprocess.run([*GIT, "remote", "add", "origin", remote], cwd=work, check=True)


def commit_all(work: Path, message: str) -> None:
    subprocess.run([*GIT, "add", "-A"], cwd=work, check=True)
    subprocess.run([*GIT, "commit", "-q", "--allow-empty", "-m", message], cwd=work, check=True)


def as_git_repo(scenario: Path, work: Path) -> Path:
    """Commit the base state (tree + .base overlay), then restore the scenario as the work tree."""
    ignore = shutil.ignore_patterns(*MARKERS)
    shutil.copytree(scenario, work, ignore=ignore)
    shutil.copytree(scenario / ".base", work, dirs_exist_ok=True)
    init_repo(scenario, work)
    commit_all(work, "base")
    for path in (scenario / ".base").rglob("*"):
        if path.is_file() and not (scenario / path.relative_to(scenario / ".base")).exists():
            (work / path.relative_to(scenario / ".base")).unlink()  # a file only the base had
    # shutil.copy, not copy2: a fresh mtime, or git may take a same-size edit for unchanged
    shutil.copytree(scenario, work, ignore=ignore, dirs_exist_ok=True, copy_function=shutil.copy)
    return work


def prepare(scenario: Path, work: Path) -> Path:
    if (scenario / ".base").is_dir():
        return as_git_repo(scenario, work)
    shutil.copytree(scenario, work, ignore=shutil.ignore_patterns(*MARKERS), symlinks=True)
    init_repo(scenario, work)
    if not (scenario / ".git-empty").exists():
        commit_all(work, "fixture")
    return work


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(scenario: Path, capsys: pytest.CaptureFixture[str], update_goldens: bool, tmp_path: Path) -> None:
    code, document = lint_json(prepare(scenario, tmp_path / "repo"), capsys=capsys)
    assert code != 2 and "findings" in document, "the linter failed (exit 2); goldens are left untouched"
    actual = golden_text(document)
    expected_file = scenario / "expected.txt"
    if update_goldens:
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.exists(), f"{expected_file} is missing; run pytest --update-goldens and review it"
    assert actual == expected_file.read_text(encoding="utf-8")
    rule = scenario.parent.name
    rules_found = {f["rule"] for f in document["findings"]}
    if scenario.name.startswith("fail."):
        assert rule in rules_found, f"a fail fixture must produce {rule}"
    else:
        assert rule not in rules_found, f"a pass fixture must not produce {rule}"
    errors = any(f["severity"] == "error" and not f["suppressed"] for f in document["findings"])
    assert code == (1 if errors else 0)


# Checks that skip, under --changed, objects none of whose files (nor related files) changed
# (Inventory.may_keep): sound only while each of their findings points into those files.
PRE_FILTERED = {
    "reference",
    "storage-class-reference",
    "secret-plaintext",
    "secret-reference",
    "secret-unused",
    "values-unread",
    "values-storage-class",
}


@pytest.mark.parametrize(
    "scenario",
    [
        s
        for s in SCENARIOS
        if s.name.startswith("fail.")
        and s.parent.name in ("NP005", "SC001", "SC004", "SC005", "SS001", "SS002", "SS003", "SS006")
    ],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_changed_pre_filtering_keeps_every_finding_it_could_report(scenario: Path, tmp_path: Path) -> None:
    from linter.pipeline import lint

    report = lint(prepare(scenario, tmp_path / "repo"))
    checks = {rule.id: rule.check for rule in report.setup.rules}
    judged = [f for f in report.findings if checks.get(f.rule) in PRE_FILTERED]
    assert judged, "the fixture produces no finding of a pre-filtered check"
    inventory = report.views.inventory
    release_files = {path for r in inventory.renderings for path in r.values_files()}
    for finding in judged:
        if checks[finding.rule] in ("values-unread", "values-storage-class"):  # about releases, not objects
            files = release_files | set(finding.related)
        elif finding.resource is None:  # a values reference: not filtered
            continue
        else:
            files = inventory.object_files[finding.resource] | set(finding.related)
        assert finding.location.path in files, f"{finding.rule} at {finding.location} is outside {sorted(files)}"
