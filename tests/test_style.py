"""The habits the test command enforces: ruff (lint and format, lines <= 120) and mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_TREES = ["linter", "tests", "benchmarks"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_check() -> None:
    done = run("ruff", "check", "--no-cache", *PYTHON_TREES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    done = run("ruff", "format", "--check", "--no-cache", *PYTHON_TREES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict() -> None:
    done = run("mypy")  # packages, strictness and overrides: [tool.mypy] in pyproject.toml
    assert done.returncode == 0, done.stdout + done.stderr
