"""Keep the rule system honest: valid files, unique ids, fixtures and docs for every rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.catalog.docs import index_markdown, rule_markdown
from linter.catalog.load import load_rules
from linter.checks.registry import REGISTRY
from linter.model import template_fields

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
def test_rule_has_failing_and_passing_fixture(rule: object) -> None:
    scenarios = [p.name for p in (FIXTURES / rule.id).glob("*") if p.is_dir()]  # type: ignore[attr-defined]
    assert any(s.startswith("fail.") for s in scenarios), f"no fail.* fixture for {rule.id}"  # type: ignore[attr-defined]
    assert any(s.startswith("pass.") for s in scenarios), f"no pass.* fixture for {rule.id}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_texts(rule: object) -> None:
    assert rule.hint.endswith("."), rule.id  # type: ignore[attr-defined]
    assert rule.message[0].islower() or rule.message[0] in "`{" or rule.message.split()[0][0].isupper(), rule.id  # type: ignore[attr-defined]
    assert not rule.message.endswith("."), "messages are fragments without a final period"  # type: ignore[attr-defined]
    fields = REGISTRY[rule.check].fields  # type: ignore[attr-defined]
    for text in (rule.message, rule.hint):  # type: ignore[attr-defined]
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


def test_readme_lists_every_rule_family() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for family in sorted({r.family for r in RULES}):
        assert f"| {family} " in readme, f"README rule-family table misses {family}"
