"""Every rule's documented examples behave as labelled: `docs.fail` produces the rule, `docs.pass`
does not (the format: docs/writing-rules.md#examples, linter/catalog/examples.py).

Each example becomes a git repository whose `origin` is https://git.example.com/homelab.git: the
context's files, `docs.setup` and the example's own files, committed. With `docs.base`, the base
files (with the context and setup) are committed first and the example's files are then written
over them, uncommitted: a terminal run compares HEAD with the working tree. The repository is
linted in process with every rule (an opt-in rule is selected alone).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import lint_json
from linter.catalog.examples import CONTEXTS, example_files, split_files
from linter.catalog.load import load_rules
from linter.core.errors import LintError
from linter.model import Rule

ROOT = Path(__file__).parent.parent
RULES = load_rules()
REMOTE = "https://git.example.com/homelab.git"
GIT = ["git", "-c", "user.name=example", "-c", "user.email=example@example.com", "-c", "commit.gpgsign=false"]

# Rules whose examples are not linted, with the reason. Keep this list short.
EXCEPTIONS = {
    # A check that raises is a bug in the linter, not a property of the repository: no content is
    # meant to trigger it (tests/test_bad_input.py makes a check raise instead).
    "LN004": "reports a crash of a check, which no repository should cause",
}

# Examples linted in a repository without commits: LD009 is about exactly that state.
WITHOUT_COMMITS = {("LD009", "fail")}


def write(work: Path, files: dict[str, str], links: dict[str, str]) -> None:
    for path, text in files.items():
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for path, pointee in links.items():
        link = work / path
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.exists() or link.is_symlink():
            link.unlink()
        os.symlink(pointee, link)


def git(work: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=work, check=True, capture_output=True)


def build(rule: Rule, which: str, work: Path) -> Path:
    example = example_files(rule.family, rule.docs, which, rule.source)
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    git(work, "remote", "add", "origin", REMOTE)
    if example.base is not None:
        write(work, dict(example.base), {})
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "base")
        write(work, dict(example.tree), dict(example.links))
        return work
    write(work, dict(example.tree), dict(example.links))
    if (rule.id, which) not in WITHOUT_COMMITS:
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "example")
    return work


CASES = [(rule, which) for rule in RULES if rule.id not in EXCEPTIONS for which in ("fail", "pass")]


@pytest.mark.parametrize(("rule", "which"), CASES, ids=[f"{r.id}-{w}" for r, w in CASES])
def test_documented_example(rule: Rule, which: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build(rule, which, tmp_path / "repo")
    args = () if rule.enabled else ("--select", rule.id)
    code, document = lint_json(root, *args, capsys=capsys)
    assert code != 2 and "findings" in document, f"the linter failed on the {which} example of {rule.id}"
    found = [f for f in document["findings"] if f["rule"] == rule.id]
    if which == "fail":
        assert found, f"{rule.source}: docs.fail does not produce {rule.id}"
    else:
        shown = "; ".join(f"{f['file']}:{f['line']} {f['message']}" for f in found)
        assert not found, f"{rule.source}: docs.pass produces {rule.id}: {shown}"


def test_exceptions_are_rules() -> None:
    assert set(EXCEPTIONS) <= {r.id for r in RULES}
    assert {rule for rule, _ in WITHOUT_COMMITS} <= {r.id for r in RULES}


def test_contexts_are_shown_in_writing_rules() -> None:
    """What a context adds around a fragment is printed, file by file, in docs/writing-rules.md."""
    page = (ROOT / "docs" / "writing-rules.md").read_text(encoding="utf-8")
    for context in CONTEXTS.values():
        assert f"`{context.name}`" in page, f"docs/writing-rules.md does not describe the context {context.name}"
        for added in context.files:
            assert f"# file: {added.path}\n{added.text}" in page, f"{context.name}: {added.path} is not shown verbatim"


def test_file_blocks() -> None:
    text = "# file: a.yaml\nx: 1\n# file: b/c.yaml\ny: 2\n# file: d.yaml -> /etc/passwd\n"
    assert split_files(text) == [
        ("a.yaml", None, "x: 1\n"),
        ("b/c.yaml", None, "y: 2\n"),
        ("d.yaml", "/etc/passwd", ""),
    ]
    assert split_files("kind: Secret\n# file names are comments too\n") is None


@pytest.mark.parametrize(
    ("docs", "error"),
    [
        ({"fail": "x: 1\n# file: a.yaml\n", "pass": "x: 1"}, "text before the first"),
        ({"fail": "# file: ../a.yaml\n", "pass": "x: 1"}, "inside the repository"),
        ({"fail": "# file: a.yaml\n# file: a.yaml\n", "pass": "x: 1"}, "appears twice"),
        ({"fail": "x: 1", "pass": "x: 1", "context": "chart-value"}, "did you mean `chart-values`"),
        ({"fail": "x: 1", "pass": "x: 1", "context": "none"}, "a fragment is prose"),
        ({"fail": "x: 1", "pass": "x: 1", "setup": "x: 1"}, "name every file"),
    ],
)
def test_malformed_examples_are_errors(docs: dict[str, str], error: str) -> None:
    with pytest.raises(LintError, match=error):
        example_files("XP", docs, "fail")


def test_a_rule_file_with_a_broken_example_does_not_load(tmp_path: Path) -> None:
    from linter.catalog.load import load_rule

    data = {
        "id": "XP901",
        "name": "x-z",
        "summary": "s",
        "severity": "error",
        "check": "field",
        "params": {"fields": [{"kinds": ["Secret"], "at": "type", "required": True}]},
        "message": "{kind}",
        "hint": "Fix it.",
        "docs": {"what": "w", "why": "w", "fail": "kind: Secret\n# file: a.yaml\n", "pass": "p", "how": "h"},
    }
    with pytest.raises(LintError, match=r"XP901-x-z.yaml: docs.fail: text before the first"):
        load_rule(tmp_path / "XP901-x-z.yaml", data)
