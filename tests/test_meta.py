"""Keep the rule system honest: valid files, unique ids, fixtures and docs for every rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linter.catalog.docs import index_markdown, rule_markdown
from linter.catalog.load import load_rules
from linter.checks.registry import REGISTRY
from linter.model import Rule, template_fields

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
RULES = load_rules()


def test_rule_ids_and_names_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    names = [r.name for r in RULES]
    assert len(ids) == len(set(ids))
    assert len(names) == len(set(names))
    for rule in RULES:
        assert Path(rule.source).name.startswith(f"{rule.id}-{rule.name}"), rule.source


# LN004 reports a check that crashed: no input should trigger it, so its failing case is a test
# that makes a check raise (test_bad_input.py::test_a_crashing_check_is_reported_not_raised).
WITHOUT_FIXTURES = {"LN004"}


@pytest.mark.parametrize("rule", [r for r in RULES if r.id not in WITHOUT_FIXTURES], ids=lambda r: r.id)
def test_rule_has_failing_and_passing_fixture(rule: Rule) -> None:
    scenarios = [p.name for p in (FIXTURES / rule.id).glob("*") if p.is_dir()]
    assert any(s.startswith("fail.") for s in scenarios), f"no fail.* fixture for {rule.id}"
    assert any(s.startswith("pass.") for s in scenarios), f"no pass.* fixture for {rule.id}"


# A message is a lowercase fragment (ruff, yamllint) without a final period. It starts with a
# lowercase word, a backtick-quoted value, a `{field}`, or the object it is about: a kind and its
# quoted name (``Secret `{secret}` ...``).
MESSAGE_START = re.compile(r"^(\{[a-z_]+\}|`|[a-z]|[A-Z][A-Za-z]+ `)")
# A hint is an imperative sentence: a capital letter or a field holding one, and a final period.
HINT_SHAPE = re.compile(r"^([A-Z]|\{[a-z_]+\}).*\.$", re.S)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_texts(rule: Rule) -> None:
    assert MESSAGE_START.match(rule.message), f"{rule.id}: message must start lowercase, with a field or a value"
    assert not rule.message.endswith("."), f"{rule.id}: messages are fragments without a final period"
    assert HINT_SHAPE.match(rule.hint), f"{rule.id}: the hint must be an imperative sentence ending in a period"
    fields = REGISTRY[rule.check].fields
    for text in (rule.message, rule.hint):
        assert set(template_fields(text)) <= fields


def test_every_check_is_used_by_a_rule() -> None:
    assert {r.check for r in RULES} == set(REGISTRY)


def test_generated_rule_docs_are_fresh() -> None:
    docs = ROOT / "docs" / "rules"
    for rule in RULES:
        page = docs / f"{rule.id}.md"
        assert page.exists() and page.read_text(encoding="utf-8") == rule_markdown(rule), (
            f"{page} is stale: run `m0sh1-lint docs`"
        )
    assert (docs / "README.md").read_text(encoding="utf-8") == index_markdown(RULES)
    assert sorted(p.name for p in docs.glob("*.md")) == sorted([f"{r.id}.md" for r in RULES] + ["README.md"])


def test_readme_lists_every_rule_family_with_its_id_range() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for family in sorted({r.family for r in RULES}):
        ids = sorted(r.id for r in RULES if r.family == family)
        row = re.search(rf"^\| {family} \|.*\| (\S+) \|$", readme, re.MULTILINE)
        assert row is not None, f"README rule-family table misses {family}"
        assert row.group(1) == f"{ids[0]}–{ids[-1]}", f"README: the {family} row should end `{ids[0]}–{ids[-1]}`"


def test_readme_quick_start_output_is_what_the_example_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """The abridged output in the README: every line it shows (`  ...` stands for what it
    leaves out) is a line of the real run, in the same order."""
    from linter.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Output of (1), abridged", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert main(["--no-color", str(ROOT / "examples" / "homelab")]) == 1
    actual = iter(capsys.readouterr().out.splitlines())
    for line in block.splitlines():
        if line != "  ...":
            assert line in actual, f"README quick start shows a line the example does not print: {line!r}"


def test_check_names_are_unique_in_the_registry() -> None:
    from linter.checks import registry

    check = registry.REGISTRY["field"]
    with pytest.raises(ValueError, match="two checks are named `field`"):
        registry._registry([check, check])


def test_fixable_rules_use_checks_that_fix_and_other_fixes_are_dropped() -> None:
    from linter.model import Fix, Location, Violation

    for rule in RULES:
        if rule.fixable:
            assert REGISTRY[rule.check].fixes, f"{rule.id} is fixable but its check proposes no fixes"
    not_fixable = next(r for r in RULES if not r.fixable and REGISTRY[r.check].fixes)
    violation = Violation(
        Location("x.yaml"), dict.fromkeys(REGISTRY[not_fixable.check].fields, "v"), fix=Fix("x.yaml", 1, "a", "b")
    )
    assert not_fixable.finding(violation).fix is None


def test_a_rule_may_not_be_fixable_without_a_fixing_check(tmp_path: Path) -> None:
    from linter.catalog.load import load_rule
    from linter.core.errors import LintError

    data = {
        "id": "XP900",
        "name": "x-y",
        "summary": "s",
        "severity": "error",
        "check": "field",
        "fixable": True,
        "params": {"fields": [{"kinds": ["Secret"], "at": "type", "required": True}]},
        "message": "{kind}",
        "hint": "Fix it.",
        "docs": {"what": "w", "why": "w", "fail": "f", "pass": "p", "how": "h"},
    }
    with pytest.raises(LintError, match="proposes no fixes"):
        load_rule(tmp_path / "XP900-x-y.yaml", data)
    data["fixable"] = False
    data["params"] = {"fields": [{"kinds": ["Secret"], "at": "type"}]}
    with pytest.raises(LintError, match="has no assertion"):
        load_rule(tmp_path / "XP900-x-y.yaml", data)


def test_generated_template_docs_are_fresh() -> None:
    from linter.catalog.docs import templates_markdown

    page = ROOT / "docs" / "templates.md"
    assert page.read_text(encoding="utf-8") == templates_markdown(), "docs/templates.md is stale: run `m0sh1-lint docs`"


# The stages of docs/architecture.md, in the order data flows; core/ and model/ serve all.
STAGES = ("loaders", "inventory", "views", "checks", "catalog", "post", "report", "publish", "pipeline", "cli")


def test_no_module_imports_a_later_stage() -> None:
    import ast

    upward = []
    for path in sorted((ROOT / "linter").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts  # ("linter", stage, ...)
        if len(parts) < 2 or parts[1] not in STAGES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = parts[: len(parts) - node.level] if node.level else ()
            target = (*base, *(node.module or "").split(".")) if node.module else base
            inside = len(target) > 1 and target[0] == "linter" and target[1] in STAGES
            if inside and STAGES.index(target[1]) > STAGES.index(parts[1]):
                upward.append(f"{path.relative_to(ROOT)} imports {'.'.join(target)}")
    assert upward == []


def test_api_lifecycle_table_is_consistent() -> None:
    """Every row of schemas/kubernetes-api-lifecycle.yaml: versions as quoted minors, removal
    after deprecation, a group/version/kind listed once (KV005/KV006 key on it)."""
    import yaml

    from linter.core.resources import schemas_dir

    rows = yaml.safe_load((schemas_dir() / "kubernetes-api-lifecycle.yaml").read_text(encoding="utf-8"))
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        for key in ("deprecated", "removed"):
            assert row[key] is None or re.fullmatch(r"1\.\d+", row[key]), row
        if row["deprecated"] and row["removed"]:
            assert int(row["deprecated"].split(".")[1]) < int(row["removed"].split(".")[1]), row
        assert row["removed"] or row["deprecated"], row
        for kind in row["kinds"]:
            assert (row["group"], row["version"], kind) not in seen, row
            seen.add((row["group"], row["version"], kind))
    assert len(seen) > 80
