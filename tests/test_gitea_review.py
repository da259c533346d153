"""--gitea-review against a local Gitea API stand-in: inline comments only on diff lines, the
rest in the body, a re-run replaces its review, failures are one line, the token never shows."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from gitea_server import GiteaServer, GiteaState

from linter.cli import main
from linter.publish.gitea import MARKER, Client, PullRequest, ReviewError, changed_lines

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "homelab"
TOKEN = "gitea-token-Xq81-secret"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
VALUES = "apps/user/harbor/values.yaml"
TYPO = "proxmox-csi-zfs-pgdata-retain"


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    """The example as a PR: main has a valid class at values.yaml:14, the PR brings the typo back."""
    tree = tmp_path / "homelab"
    shutil.copytree(EXAMPLE, tree)
    values = tree / VALUES
    typo = values.read_text()
    lines = typo.splitlines(keepends=True)
    assert TYPO in lines[13]
    lines[13] = lines[13].replace(TYPO, "proxmox-csi-zfs-nvme-fast-retain")
    values.write_text("".join(lines))
    _git(tree, "init", "-q", "-b", "main")
    _git(tree, "add", "-A")
    _git(tree, "commit", "-qm", "main")
    values.write_text(typo)
    _git(tree, "commit", "-qam", "pgdata class")
    return tree, _git(tree, "diff", "HEAD~1", "HEAD")


def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: GiteaServer, token: str = TOKEN) -> None:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"action": "opened", "number": 7, "pull_request": {"number": 7, "head": {"sha": "c0ffee"}}})
    )
    for name, value in {
        "GITEA_ACTIONS": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": server.url,
        "GITHUB_REPOSITORY": "ops/homelab",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "merge-commit",
        "GITEA_TOKEN": token,
    }.items():
        monkeypatch.setenv(name, value)


def _state(diff: str) -> GiteaState:
    return GiteaState("ops", "homelab", 7, diff, {TOKEN: "gitea-actions", "other-token": "admin"})


def _lint(tree: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lint", "--root", str(tree), "--format", "json", "--gitea-review", *args, str(tree)])
    out, err = capsys.readouterr()
    return code, out, err


def test_review_comments_on_diff_lines_and_lists_the_rest(
    pull_request: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree, diff = pull_request
    with GiteaServer(_state(diff)) as server:
        _env(monkeypatch, tmp_path, server)
        code, out, err = _lint(tree, capsys)
    assert code == 1
    findings = json.loads(out)["findings"]
    [review] = server.state.reviews
    assert review["state"] == "REQUEST_CHANGES" and review["commit_id"] == "c0ffee"
    assert review["body"].startswith(MARKER + "\n## m0sh1-lint: 17 errors, 2 warnings\n")
    on_diff = [f for f in findings if f["file"] == VALUES and f["line"] == 14]
    assert [(c["path"], c["new_position"]) for c in review["comments"]] == [(VALUES, 14)] and len(on_diff) == 1
    assert review["comments"][0]["body"].startswith("**error** [SC001 storage-class-unknown](")
    assert "1 finding is on lines this pull request changes and commented there." in review["body"]
    assert "values.yaml:14`" not in review["body"]  # not listed twice
    for finding in findings:
        if finding is not on_diff[0]:
            assert f"`{finding['file']}:{finding['line']}`" in review["body"], finding
    assert f"{server.url}/ops/homelab/src/commit/c0ffee/{VALUES}#L18" in review["body"]
    assert "posted review 101 on pull request 7 (1 inline comment)" in err
    assert TOKEN not in out + err
    assert ("GET", "/api/v1/repos/ops/homelab/pulls/7.diff") in server.state.requests


def test_a_rerun_replaces_its_review_and_leaves_others(
    pull_request: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree, diff = pull_request
    state = _state(diff)
    state.reviews.append(
        {"id": 5, "user": {"login": "admin"}, "body": f"{MARKER}\nquoted by a human", "state": "COMMENT"}
    )
    with GiteaServer(state) as server:
        _env(monkeypatch, tmp_path, server)
        _lint(tree, capsys)
        code, _, err = _lint(tree, capsys)
    assert code == 1
    assert [r["id"] for r in state.reviews] == [5, 102]
    assert "replacing 1 earlier" in err
    assert ("DELETE", "/api/v1/repos/ops/homelab/pulls/7/reviews/101") in state.requests


def test_clean_findings_only_comment_and_own_pull_requests_fall_back_to_comment(
    pull_request: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree, diff = pull_request
    state = _state(diff)
    with GiteaServer(state) as server:
        _env(monkeypatch, tmp_path, server)
        code, _, _ = _lint(tree, capsys, "--select", "PG003")  # a warning: the run passes
        assert code == 0 and state.reviews[-1]["state"] == "COMMENT"
        state.poster = "gitea-actions"  # the token's user opened the PR: Gitea refuses REQUEST_CHANGES
        code, _, err = _lint(tree, capsys)
    assert code == 1 and state.reviews[-1]["state"] == "COMMENT" and len(state.reviews) == 1
    assert "warning" not in err


def test_auth_failure_is_one_line_and_exits_2_only_when_required(
    pull_request: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree, diff = pull_request
    with GiteaServer(_state(diff)) as server:
        _env(monkeypatch, tmp_path, server, token="wrong-token-Zz9")
        code, _, err = _lint(tree, capsys)
        assert code == 1  # the findings decide, the review is best effort
        assert err.strip().splitlines() == [
            "m0sh1-lint: warning: gitea review not posted: Gitea API GET /api/v1/repos/ops/homelab/pulls/7.diff: "
            "HTTP 401 token is required"
        ]
        code, _, err = _lint(tree, capsys, "--gitea-review-required")
    assert code == 2
    assert err.strip().splitlines() == [
        "m0sh1-lint: error: gitea review: Gitea API GET /api/v1/repos/ops/homelab/pulls/7.diff: "
        "HTTP 401 token is required"
    ]
    assert "wrong-token-Zz9" not in err and server.state.reviews == []


def test_explicit_flags_and_missing_context(
    pull_request: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree, diff = pull_request
    for name in ("GITHUB_ACTIONS", "GITEA_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GITEA_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    code, _, err = _lint(tree, capsys, "--gitea-review-required")
    assert code == 2 and err.startswith("m0sh1-lint: error: gitea review: it needs a server (--gitea-url")
    with GiteaServer(_state(diff)) as server:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        args = ("--gitea-url", server.url, "--gitea-repo", "ops/homelab", "--gitea-pr", "7")
        code, out, err = _lint(tree, capsys, *args)
    assert code == 1 and len(server.state.reviews) == 1 and TOKEN not in out + err
    assert server.state.reviews[0]["commit_id"] == "head"  # no run context: Gitea picks the head itself


def test_changed_lines_reads_hunks_renames_deletions_and_quoted_names() -> None:
    diff = (
        "diff --git a/a.yaml b/a.yaml\n--- a/a.yaml\n+++ b/a.yaml\n@@ -1,3 +1,4 @@\n x\n-y\n+z\n+w\n q\n"
        "@@ -10,2 +11,2 @@\n k\n-v\n+v2\n\\ No newline at end of file\n"
        "diff --git a/gone.yaml b/gone.yaml\n--- a/gone.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        'diff --git "a/caf\\303\\251.yaml" "b/caf\\303\\251.yaml"\n--- "a/caf\\303\\251.yaml"\n'
        '+++ "b/caf\\303\\251.yaml"\n@@ -0,0 +1 @@\n+new\n'
    )
    assert changed_lines(diff) == {"a.yaml": frozenset({1, 2, 3, 4, 11, 12}), "café.yaml": frozenset({1})}


def test_the_stand_in_refuses_what_gitea_would(pull_request: tuple[Path, str]) -> None:
    """So that a client bug (a comment off the diff, an unknown field) fails the tests above."""
    _, diff = pull_request
    with GiteaServer(_state(diff)) as server:
        client = Client(PullRequest(server.url, "ops/homelab", 7), TOKEN)
        off_diff = {"body": "x", "event": "COMMENT", "comments": [{"path": VALUES, "body": "x", "new_position": 3}]}
        with pytest.raises(ReviewError, match=r"HTTP 422 line 3 of apps/user/harbor/values\.yaml is not in the diff"):
            client.create(off_diff)
        with pytest.raises(ReviewError, match=r"HTTP 422 unknown fields \['line'\]"):
            client.create({"body": "x", "event": "COMMENT", "line": 3})
        with pytest.raises(ReviewError, match="HTTP 403"):
            server.state.reviews.append({"id": 9, "user": {"login": "admin"}, "body": ""})
            client.delete(9)
        assert client.create({"body": "x", "event": "COMMENT"})["id"] == 101


def test_inline_comments_are_capped_and_the_rest_listed() -> None:
    from linter.model import Finding, Location, Severity
    from linter.publish.gitea import MAX_INLINE, plan
    from linter.report.grouping import Group

    findings = [
        Finding("SC001", "storage-class-unknown", Severity.ERROR, Location("a.yaml", n, 1), f"m{n}", "h")
        for n in range(1, MAX_INLINE + 21)
    ]
    review = plan(
        findings,
        {"gitops/a.yaml": frozenset(range(1, 500))},
        "gitops/",
        lambda f: True,
        {},
        lambda f: Group(3, ""),
        None,
    )
    assert [line for _, line, _ in review.comments] == list(range(1, MAX_INLINE + 1))
    assert {path for path, _, _ in review.comments} == {"gitops/a.yaml"}
    assert review.body.count("\n- **error** SC001") == 20 and "`a.yaml:101`" in review.body
    assert review.event == "REQUEST_CHANGES"
