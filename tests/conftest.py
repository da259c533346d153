"""Shared test helpers: run the linter in process and render findings as golden text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", help="Rewrite expected.txt files; review them with git diff."
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def lint_json(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    """Run `m0sh1-lint --format json` on a tree; return the exit code and the parsed document."""
    code = main(["lint", "--root", str(root), "--format", "json", *args, str(root)])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def golden_text(document: dict) -> str:
    """One block per finding: location, rule, message, then hint and suggestions."""
    lines = []
    for f in document.get("findings", []):
        state = f" [suppressed: {f['suppressed']}]" if f["suppressed"] else ""
        lines.append(f"{f['file']}:{f['line']}:{f['column']} {f['rule']} {f['severity']} {f['message']}{state}")
        lines.append(f"  hint: {f['hint']}")
        if f["suggestions"]:
            lines.append("  did you mean: " + ", ".join(f["suggestions"]))
    return "\n".join(lines) + ("\n" if lines else "")


@pytest.fixture(autouse=True)
def _no_enclosing_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trees inside this checkout (examples, fixtures) must not see the checkout's own git history,
    or an uncommitted edit would turn into chart-version findings. Temporary repos are unaffected."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(Path(__file__).resolve().parent.parent))
