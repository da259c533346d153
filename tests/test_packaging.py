"""The wheel carries rules/ and schemas/ and works outside the checkout; CI runs the README."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ci_runs_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n# \(2\)[^\n]*\n(.+?)\n```", readme, re.S)
    assert len(blocks) == 1
    assert blocks[0].strip() in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_python_package_ships() -> None:
    """pyproject lists packages by name: a new subpackage missing there breaks only the wheel."""
    listed = set(re.findall(r'"(linter[\w.]*)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8")))
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "linter").rglob("__init__.py")}
    assert found - listed == set()


def test_wheel_installs_and_runs_outside_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        cwd=tmp_path,
    )
    [wheel] = list(dist.glob("m0sh1_lint-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Reuse this environment's dependencies (already installed) without its editable linter.
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)], check=True
    )
    work = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "examples" / "homelab", work / "homelab")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(env_dir / "bin" / "m0sh1-lint"), "--select", "SC001,KV005", "homelab"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "apps/user/harbor/values.yaml:14:5 SC001 storage-class-unknown" in result.stdout
    assert "LN004" not in result.stdout  # KV005 found its lifecycle table (a .yaml in schemas/) in the wheel
    where = subprocess.check_output(
        [str(python), "-c", "import linter.core.resources as r; print(r.rules_dir())"], text=True, cwd=work, env=env
    )
    assert str(env_dir) in where and "_rules" in where


def test_the_render_keys_name_the_installed_helm_sdk() -> None:
    """helm_version reads the dist-info directory's name; it must agree with the installed metadata."""
    import importlib.metadata

    from linter.loaders.helm.engine import helm_version

    assert helm_version() == importlib.metadata.version("helm-python-sdk") != "unknown"
