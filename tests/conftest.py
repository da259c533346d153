"""Shared test helpers: run the linter in process and render findings as golden text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from linter.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).parent.parent / "examples" / "homelab"


def copy_seed_after(destination: Path) -> Path:
    """The seed's after state (fixtures/e2e/seed.after) with the upstream chart stand-ins of
    examples/homelab/upstream, which its wrapper charts depend on through `file://`."""
    shutil.copytree(FIXTURES / "e2e" / "seed.after", destination)
    shutil.copytree(EXAMPLE / "upstream", destination / "upstream")
    return destination


@pytest.fixture(scope="session")
def seed_after(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only copy of the seed's after state, shared by the tests that only lint it."""
    return copy_seed_after(tmp_path_factory.mktemp("seed") / "seed.after")


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


def application(name: str, path: str, namespace: str = "web", url: str = "https://git.example.com/ops/homelab") -> str:
    """An Argo CD Application deploying `path` of this repository (the git_repo() origin)."""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
        f"spec:\n  project: default\n  source:\n    repoURL: {url}\n    targetRevision: main\n    path: {path}\n"
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {namespace}\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )


GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]


def git_repo(root: Path, files: dict[str, str], remote: str | None = "git@git.example.com:ops/homelab.git") -> Path:
    """A committed git repository of `files`, with `remote` as its origin."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=root, check=True)
    if remote:
        subprocess.run([*GIT, "remote", "add", "origin", remote], cwd=root, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-qm", "init"], cwd=root, check=True)
    return root


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
def _no_network_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never reach out: charts come from an empty cache of their own, offline. Tests of
    fetching (test_remote_charts.py) undo this and serve their own repositories."""
    monkeypatch.setenv("M0SH1_LINT_OFFLINE", "1")
    monkeypatch.setenv("M0SH1_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("chart-cache")))
    monkeypatch.delenv("M0SH1_LINT_HELM_AUTH", raising=False)


@pytest.fixture(autouse=True)
def _no_enclosing_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trees inside this checkout (examples, fixtures) must not see the checkout's own git history,
    or an uncommitted edit would turn into chart-version findings. Temporary repos are unaffected."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(Path(__file__).resolve().parent.parent))
