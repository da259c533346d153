"""SemVer 2 as Helm reads chart versions: parse (with Helm's coercion), precedence, bumps."""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRICT = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
# Masterminds/semver v3 (Helm) coerces a leading v, missing minor/patch and leading zeros.
_LOOSE = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        return text + (f"+{self.build}" if self.build else "")

    def key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        """SemVer precedence: a release sorts after its prereleases; numeric identifiers compare
        numerically and below alphanumeric ones, which compare as text ("r10" < "r9")."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)


def parse(text: str) -> Version | None:
    """A strict SemVer 2 version, or None."""
    match = _STRICT.match(text)
    if not match:
        return None
    pre = tuple(match.group(4).split(".")) if match.group(4) else ()
    return Version(int(match.group(1)), int(match.group(2)), int(match.group(3)), pre, match.group(5) or "")


def coerce(text: str) -> Version | None:
    """What Helm makes of a version it accepts loosely (v1.2 → 1.2.0), or None if Helm rejects it."""
    strict = parse(text)
    if strict is not None:
        return strict
    match = _LOOSE.match(text)
    if not match:
        return None
    pre = tuple(match.group(4).split(".")) if match.group(4) else ()
    return Version(int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0), pre, match.group(5) or "")


_NUMBERED = re.compile(r"^([A-Za-z-]*)(\d+)$")


def bump(version: Version) -> Version:
    """The next version in the same convention: x.y.z → x.y.(z+1); x.y.z-rN → x.y.z-r(N+1).

    When N+1 gains a digit ("r9" → "r10", which sorts lower as text), move to the next patch with
    "r1" so the result still sorts higher.
    """
    if version.prerelease:
        last = version.prerelease[-1]
        match = _NUMBERED.match(last)
        if match and match.group(1):
            number = int(match.group(2))
            if len(str(number + 1)) == len(match.group(2)):
                return Version(
                    version.major,
                    version.minor,
                    version.patch,
                    (*version.prerelease[:-1], f"{match.group(1)}{number + 1}"),
                )
            return Version(
                version.major, version.minor, version.patch + 1, (*version.prerelease[:-1], f"{match.group(1)}1")
            )
        if last.isdigit():
            return Version(version.major, version.minor, version.patch, (*version.prerelease[:-1], str(int(last) + 1)))
    return Version(version.major, version.minor, version.patch + 1)


def pitfall(old: Version, new: Version) -> str | None:
    """Why a version that looks bumped sorts lower (or equal), in words; None when it does not."""
    if new.key() > old.key() or str(new) == str(old):
        return None
    if (new.major, new.minor, new.patch) == (old.major, old.minor, old.patch):
        if not old.prerelease and new.prerelease:
            return (
                f"`{new}` is a prerelease of `{old.major}.{old.minor}.{old.patch}`, so it sorts below the "
                f"release `{old}`"
            )
        for a, b in zip(old.prerelease, new.prerelease, strict=False):
            ma, mb = _NUMBERED.match(a), _NUMBERED.match(b)
            if ma and mb and ma.group(1) and ma.group(1) == mb.group(1) and int(mb.group(2)) > int(ma.group(2)):
                return (
                    f"prerelease identifiers with letters compare as text, so `{b}` sorts below `{a}` "
                    f"(write `{mb.group(1)}.{mb.group(2)}` for numeric comparison, or bump the patch)"
                )
    if new.build != old.build and new.key() == old.key():
        return "build metadata (after `+`) is ignored when comparing versions"
    return None
