"""--format markdown (the job summary): parsed with markdown-it-py, not compared as strings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from linter.cli import main
from linter.model import Finding, Location, Severity
from linter.report import markdown
from linter.report.escape import printable
from linter.report.grouping import Group

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "homelab"
PARSER = MarkdownIt("commonmark").enable("table")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "homelab"
    shutil.copytree(EXAMPLE, copy)
    return copy


def _run(tree: Path, capsys: pytest.CaptureFixture[str], fmt: str, *args: str) -> str:
    main(["lint", "--root", str(tree), "--format", fmt, *args, str(tree)])
    return capsys.readouterr().out


def _items(document: str) -> list[list[Token]]:
    """The inline children of each list item's paragraph, in order."""
    tokens = PARSER.parse(document)
    items, inside = [], 0
    for index, token in enumerate(tokens):
        if token.type == "list_item_open":
            inside += 1
            items.append(tokens[index + 2].children or [])
        elif token.type == "list_item_close":
            inside -= 1
    return items


def _plain(children: list[Token]) -> str:
    return "".join(
        c.content if c.type in ("text", "code_inline") else "\n" if c.type == "hardbreak" else "" for c in children
    )


def _links(children: list[Token]) -> list[str]:
    return [str(c.attrs["href"]) for c in children if c.type == "link_open"]


def _headings(document: str, level: str) -> list[str]:
    tokens = PARSER.parse(document)
    return [
        _plain(tokens[i + 1].children or [])
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == level
    ]


def test_every_finding_is_in_the_summary_with_links(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    findings = json.loads(_run(tree, capsys, "json"))["findings"]
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "ops/homelab",
        "GITHUB_SHA": "abc123",
    }.items():
        monkeypatch.setenv(name, value)
    document = _run(tree, capsys, "markdown")
    assert _headings(document, "h2") == ["m0sh1-lint: 17 errors, 2 warnings"]
    items = _items(document)
    assert len(items) == len(findings)
    texts = [_plain(item) for item in items]
    for finding in findings:
        where = f"{finding['file']}:{finding['line']}"
        [item] = [i for i, t in zip(items, texts, strict=True) if f" at {where}: " in t]
        shown = _plain(item)
        assert shown.startswith(f"{finding['severity']} {finding['rule']} {finding['name']} at {where}: ")
        assert printable(finding["message"]).replace("`", "") in shown
        assert printable(finding["hint"]).replace("`", "") in shown.split("\n", 1)[1]
        for suggestion in finding["suggestions"]:
            assert f"Did you mean {suggestion}" in shown or f"or {suggestion}" in shown
        assert _links(item) == [
            f"https://github.com/m0sh1-devops/m0sh1-lint/blob/main/docs/rules/{finding['rule']}.md",
            f"https://github.example/ops/homelab/blob/abc123/{finding['file']}#L{finding['line']}",
        ]
    assert _headings(document, "h3") == [
        "Application harbor (argocd/apps/user/harbor.yaml)",
        "Application harborguard (argocd/disabled/user/harborguard.yaml)",  # staged: checked as if enabled
        "Application valkey (argocd/apps/cluster/valkey.yaml)",
    ]


def test_family_table_counts(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    findings = json.loads(_run(tree, capsys, "json"))["findings"]
    tokens = PARSER.parse(_run(tree, capsys, "markdown"))
    cells = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type in ("td_open", "th_open")]
    rows = [cells[i : i + 4] for i in range(0, len(cells), 4)]
    assert rows[0] == ["Family", "Errors", "Warnings", "Info"]
    for family, errors, warnings, info in rows[1:-1]:
        prefix = family.split(" ", 1)[0]
        counted = [f["severity"] for f in findings if f["rule"].startswith(prefix)]
        assert [errors, warnings, info] == [str(counted.count(s)) for s in ("error", "warning", "info")], family
    assert rows[-1] == ["**Total**", "**17**", "**2**", "**0**"]


def test_gitea_links_point_at_the_commit_and_the_lint_root(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(tree.parent)], check=True)
    for name, value in {
        "GITEA_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://gitea.example/",
        "GITHUB_REPOSITORY": "ops/homelab",
        "GITHUB_SHA": "abc123",
    }.items():
        monkeypatch.setenv(name, value)
    items = _items(_run(tree, capsys, "markdown", "--select", "PG003"))
    assert _links(items[0])[1] == (
        "https://gitea.example/ops/homelab/src/commit/abc123/homelab/apps/user/harbor/templates/postgres-cluster.yaml#L12"
    )


def _finding(message: str, rule: str = "SC001", path: str = "apps/a.yaml", **extra: Any) -> Finding:
    return Finding(rule, "storage-class-unknown", Severity.ERROR, Location(path, 3, 1), message, "Fix it.", **extra)


def test_repo_text_cannot_format_link_mention_or_inject_html() -> None:
    hostile = (
        "class `a`b` [click](https://evil.example) <img src=x onerror=alert(1)> @admin *bold* | pipe &amp;\n::error"
    )
    finding = _finding(hostile, suggestions=("x`y",), path="apps/[x](y).yaml")
    document = markdown.render([finding], lambda f: Group(2, "apps"), {})
    tokens = PARSER.parse(document)
    kinds = {child.type for token in tokens for child in token.children or []} | {t.type for t in tokens}
    assert not kinds & {"link_open", "html_inline", "html_block", "em_open", "image", "s_open"}
    [item] = _items(document)
    assert not _links(item) and [c.type for c in item].count("strong_open") == 1  # the severity only
    shown = _plain(item)
    assert "[click](https://evil.example) <img src=x onerror=alert(1)> @admin *bold* | pipe &amp;\\n::error" in shown
    assert "apps/[x](y).yaml:3" in shown and "Did you mean x`y?" in shown


@pytest.mark.parametrize(
    "name",
    [
        "a]</code><img src=x onerror=alert(1)>`|**x**|",  # a backtick inside the name
        "`</details><script>alert(1)</script>[link](http://evil.example)",  # spans that would touch
        "``x``",  # empty spans
    ],
)
def test_names_holding_backticks_never_become_html_or_links(name: str) -> None:
    message = f"PersistentVolumeClaim `{name}` requests StorageClass `{name}` at `spec.storageClassName`"
    document = markdown.render([_finding(message)], lambda f: Group(2, "apps"), {})
    tokens = PARSER.parse(document)
    kinds = {child.type for token in tokens for child in token.children or []} | {t.type for t in tokens}
    assert not kinds & {"link_open", "html_inline", "html_block", "em_open", "image"}
    [item] = _items(document)
    assert not _links(item) and [c.type for c in item].count("strong_open") == 1  # the severity only
    assert name.replace("`", "") in _plain(item).replace("`", "")  # shown, if not always in code style


def test_spans_that_would_touch_or_be_empty_are_not_merged_over_the_linters_words() -> None:
    # `` `x` `` right after the linter's own backtick makes two spans touch: their fences would
    # merge and swallow "requests StorageClass" into code; the message is then shown escaped
    message = "PersistentVolumeClaim `a` requests StorageClass ``</details>[link](http://evil.example)` at `spec`"
    [item] = _items(markdown.render([_finding(message)], lambda f: Group(2, "apps"), {}))
    spans = [child.content for child in item if child.type == "code_inline"]
    assert spans == ["apps/a.yaml:3"]  # only the location; no span holds the linter's words
    assert "PersistentVolumeClaim `a` requests StorageClass ``</details>[link](http://evil.example)` at `spec`" in (
        _plain(item)
    )


def test_hint_cannot_start_a_block_and_groups_are_sorted() -> None:
    first = _finding("m", path="b/x.yaml")
    second = Finding("PG003", "n", Severity.WARNING, Location("a/y.yaml", 1, 1), "m2", "- 1. # not a list")
    groups = {"b/x.yaml": Group(0, "web", "apps/web.yaml"), "a/y.yaml": Group(1, "charts/db")}
    document = markdown.render([first, second], lambda f: groups[f.location.path], {})
    assert _headings(document, "h3") == ["Application web (apps/web.yaml)", "Chart charts/db"]
    assert _plain(_items(document)[1]).endswith("\n- 1. # not a list")
    assert len(_items(document)) == 2  # the hint did not become a list of its own


def test_suppressed_baselined_and_truncation() -> None:
    findings = [_finding(f"message {i} " + "x" * 200, path=f"apps/{i:03}.yaml") for i in range(40)]
    findings += [_finding("quiet", suppressed="tracked in #3", suppressed_by="inline")]
    findings += [_finding("old", suppressed="baseline", suppressed_by="baseline")]
    document = markdown.render(findings, lambda f: Group(2, "apps"), {}, baseline_fixed=2, limit=4000)
    assert len(document.encode()) <= 4000 + 300
    items = _items(document)
    assert 0 < len(items) < 40
    assert f"**{40 - len(items)} more findings not shown:** this summary is capped at 4,000 bytes." in document
    assert (
        "1 suppressed finding not shown; 1 baselined finding not shown; 2 baselined findings no longer occur"
        in document
    )
    full = markdown.render(findings, lambda f: Group(2, "apps"), {})
    assert len(_items(full)) == 40 and "more findings not shown" not in full
    assert markdown.render([], lambda f: Group(3, ""), {}) == "## m0sh1-lint: no problems found\n"


def test_the_action_writes_the_job_summary_on_both_platforms(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(EXAMPLE, work)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-C", str(work)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "main"], check=True)
    bin_dir = Path(os.environ.get("VIRTUAL_ENV", Path(os.sys.executable).parent.parent)) / "bin"
    for platform in ("GITHUB_ACTIONS", "GITEA_ACTIONS"):
        summary = tmp_path / f"{platform}.md"
        summary.write_text("earlier step\n")
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("PRE_COMMIT", "GITHUB_ACTIONS", "GITEA_ACTIONS")},
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            platform: "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_SERVER_URL": "https://forge.example",
            "GITHUB_REPOSITORY": "ops/homelab",
            "GITHUB_SHA": "f00d",
            "FAIL_ON": "error",
            "PATHS": ".",
            "ACTION_PATH": str(ROOT),
        }
        done = subprocess.run(
            ["bash", str(ROOT / ".github/scripts/lint.sh")],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        written = summary.read_text()
        assert written.startswith("earlier step\n## m0sh1-lint: 17 errors, 2 warnings\n")
        items = _items(written)
        assert len(items) == 19
        browse = "blob" if platform == "GITHUB_ACTIONS" else "src/commit"
        assert all(_links(i)[1].startswith(f"https://forge.example/ops/homelab/{browse}/f00d/") for i in items)
