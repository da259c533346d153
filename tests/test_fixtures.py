"""Every fixture tree under tests/fixtures/<RULE>/<fail|pass|fix>.<scenario>/ is linted with all
rules; its findings must equal expected.txt exactly. `pytest --update-goldens` rewrites them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, golden_text, lint_json

SCENARIOS = sorted(p for p in FIXTURES.glob("*/*") if p.is_dir() and p.name.split(".")[0] in ("fail", "pass"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(scenario: Path, capsys: pytest.CaptureFixture[str], update_goldens: bool) -> None:
    code, document = lint_json(scenario, capsys=capsys)
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
