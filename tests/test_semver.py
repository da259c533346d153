"""Version constraints match as real Helm matches them: each case asks Helm itself (a `file://`
dependency whose chart has the version, resolved by `helm dependency update`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import helm_python
import pytest

from linter.core.semver import coerce, parse_constraint

CASES = [
    # (constraint, version)
    ("1.2.3", "1.2.3"),
    ("1.2.3", "1.2.4"),
    ("=1.2.3", "1.2.3"),
    ("!=1.2.3", "1.2.4"),
    ("!=1.2.3", "1.2.3"),
    (">1.2.3", "1.2.4"),
    (">=1.2", "1.2.0"),
    ("<2", "1.9.9"),
    ("<2", "2.0.0"),
    ("<=1.2", "1.2.0"),
    ("<=1.2.x", "1.2.9"),
    (">1.2.x", "1.3.0"),
    (">1.2.x", "1.2.9"),
    ("~1.2.3", "1.2.9"),
    ("~1.2.3", "1.3.0"),
    ("~1", "1.9.0"),
    ("~>1.2", "1.2.7"),
    ("^1.2.3", "1.9.0"),
    ("^1.2.3", "2.0.0"),
    ("^0.2.3", "0.2.9"),
    ("^0.2.3", "0.3.0"),
    ("^0.0.3", "0.0.4"),
    ("^0", "0.9.0"),
    ("1.2.x", "1.2.9"),
    ("1.x", "1.9.0"),
    ("*", "3.1.4"),
    ("x", "0.0.1"),
    ("v1.2.3", "1.2.3"),
    ("1.2", "1.2.0"),
    ("1.2", "1.2.5"),
    (">=1.0.0 <2.0.0", "1.5.0"),
    (">= 1.0.0, < 2.0.0", "1.5.0"),
    (">=1.0.0 <2.0.0 || >=3", "3.1.0"),
    (">=1.0.0 <2.0.0 || >=3", "2.5.0"),
    ("1.2.3 - 1.4.5", "1.4.5"),
    ("1.2.3 - 1.4", "1.4.9"),
    ("1.2.3 - 1.4", "1.5.0"),
    # prereleases: only where a term of the AND group is written with one (Masterminds 3.4)
    (">=1.0.0", "1.5.0-rc.1"),
    ("^1.0.0", "1.5.0-rc.1"),
    ("*", "1.0.0-alpha"),
    (">=1.0.0-0", "1.5.0-rc.1"),
    (">1.0.0-beta.1 <2", "1.5.0-rc.1"),
    (">1.0.0-beta.1 <2 || >3", "3.5.0-rc.1"),
    (">=1.0.0 <2.0.0-0", "1.5.0-rc.1"),
    ("~1.2.3-beta.2", "1.2.3-beta.4"),
    ("~1.2.3-beta.2", "1.2.4-beta.1"),
    ("^1.2.3-alpha", "1.2.3-alpha.1"),
    ("1.2.3-0 - 1.4", "1.3.0-alpha"),
    ("1.0.0-rc.1", "1.0.0-rc.1"),
    ("1.0.0-rc.10", "1.0.0-rc.9"),
    ("<1.0.0-rc.10", "1.0.0-rc.9"),
    ("<1.0.0-rc10", "1.0.0-rc9"),
    ("1.2.3+build.1", "1.2.3"),
]


def helm_accepts(constraint: str, version: str, work: Path) -> bool:
    shutil.rmtree(work, ignore_errors=True)
    (work / "sub").mkdir(parents=True)
    (work / "top").mkdir()
    (work / "sub" / "Chart.yaml").write_text(f"apiVersion: v2\nname: sub\nversion: {version}\n")
    (work / "top" / "Chart.yaml").write_text(
        "apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n"
        f"  - name: sub\n    version: '{constraint}'\n    repository: file://../sub\n"
    )
    try:
        helm_python.dependency_update(work / "top")
    except helm_python.HelmError:
        return False
    return True


@pytest.mark.parametrize(("constraint", "version"), CASES)
def test_a_constraint_matches_what_helm_matches(tmp_path: Path, constraint: str, version: str) -> None:
    parsed, have = parse_constraint(constraint), coerce(version)
    assert have is not None
    ours = parsed is not None and parsed.matches(have)
    assert ours == helm_accepts(constraint, version, tmp_path)


@pytest.mark.parametrize("constraint", ["", "latest", "1.2.3.4", ">=", "1.2.3 -", ">=1.0.0+a, <" + "9" * 5000 + ".0.0"])
def test_a_constraint_helm_rejects_is_none(tmp_path: Path, constraint: str) -> None:
    assert parse_constraint(constraint) is None
    assert not helm_accepts(constraint, "1.2.3", tmp_path)


@pytest.mark.parametrize(
    "version",
    [
        "1.0.0+" + "2" * 30,
        "1.0.0+sha." + "0123456789" * 4,
        "1.0.0-g123456789012345678901a",
        "1." + "9" * 25 + ".0",
        "1.2." + "9" * 5000,
    ],
    ids=["long-build", "long-build-identifier", "digits-in-a-prerelease-word", "25-digit-minor", "5000-digit-patch"],
)
def test_a_version_with_long_numbers_is_one_exactly_when_helm_takes_it(tmp_path: Path, version: str) -> None:
    """Build metadata is never a number; MAJOR.MINOR.PATCH are uint64 for Helm (Masterminds)."""
    assert (coerce(version) is not None) == helm_accepts(">=0.0.0-0", version, tmp_path)  # prereleases too
