"""SemVer 2 as Helm reads chart versions: parse (with Helm's coercion), precedence, bumps, and
version constraints as Helm resolves them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_STRICT = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
# Masterminds/semver v3 (Helm) coerces a leading v, missing minor/patch and leading zeros.
_LOOSE = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$")
# Masterminds parses MAJOR.MINOR.PATCH as uint64 (at most 20 digits): a longer number there, or
# as a prerelease identifier, is taken as no version (Python's int() also refuses over 4,300
# digits); build metadata is never read as a number, so any length is fine there
_BUILD = re.compile(r"\+[0-9A-Za-z.-]*")
_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d+(?![0-9A-Za-z])")  # a whole number, not digits in `rc1a`
_DIGIT_RUN = re.compile(r"\d{4000}")  # below int()'s 4,300: digits inside an identifier (`rc999…`) are bumped


def _too_long(text: str) -> bool:
    """A number Helm cannot hold (over 20 digits) outside build metadata, in any term."""
    unbuilt = _BUILD.sub("", text)
    return any(len(n) > 20 for n in _NUMBER.findall(unbuilt)) or _DIGIT_RUN.search(unbuilt) is not None


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
    if not match or _too_long(text):
        return None
    pre = tuple(match.group(4).split(".")) if match.group(4) else ()
    return Version(int(match.group(1)), int(match.group(2)), int(match.group(3)), pre, match.group(5) or "")


def coerce(text: str) -> Version | None:
    """What Helm makes of a version it accepts loosely (v1.2 → 1.2.0), or None if Helm rejects it."""
    strict = parse(text)
    if strict is not None:
        return strict
    match = _LOOSE.match(text)
    if not match or _too_long(text):
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


# --- constraints, as Helm resolves dependency and chart versions (Masterminds/semver v3) -------

_TERM = re.compile(
    r"^(=|!=|>=|=>|<=|=<|>|<|~>|~|\^)?\s*v?([0-9]+|[xX*])(?:\.([0-9]+|[xX*]))?(?:\.([0-9]+|[xX*]))?"
    r"(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_HYPHEN = re.compile(r"^\s*(\S+)\s+-\s+(\S+)\s*$")
_WILD = ("x", "X", "*")


@dataclass(frozen=True)
class _Term:
    """One comparison: `low <= v < high` (either bound optional), or `v != excluded`. `prerelease`:
    the term is written with one (see Constraint.matches)."""

    low: Version | None = None
    low_inclusive: bool = True
    high: Version | None = None
    high_inclusive: bool = False
    excluded: Version | None = None
    prerelease: bool = False

    def matches(self, version: Version) -> bool:
        key = version.key()
        if self.excluded is not None:
            return key != self.excluded.key()
        if self.low is not None and (key < self.low.key() or (key == self.low.key() and not self.low_inclusive)):
            return False
        return self.high is None or key < self.high.key() or (key == self.high.key() and self.high_inclusive)


@dataclass(frozen=True)
class Constraint:
    """A version constraint such as `^1.2`, `~0.1.0`, `>=1.0.0 <2.0.0 || 3.x`, `1.2.3 - 1.4`."""

    text: str
    alternatives: tuple[tuple[_Term, ...], ...]

    def matches(self, version: Version) -> bool:
        """A prerelease matches only an AND group with a term written with one (Masterminds
        semver 3.4, Helm 4: `>1.0.0-beta.1 <2` admits 1.5.0-rc.1; `>=1.0.0 <2` does not)."""
        return any(
            (not version.prerelease or any(term.prerelease for term in group))
            and all(term.matches(version) for term in group)
            for group in self.alternatives
        )

    def best(self, versions: Iterable[str]) -> str | None:
        """The highest of `versions` (as written) that matches, as Helm picks it; None if none does."""
        found = [(v.key(), text) for text in versions if (v := coerce(text)) is not None and self.matches(v)]
        return max(found)[1] if found else None


def parse_constraint(text: str) -> Constraint | None:
    """The constraint, or None when Helm would reject it (`latest`, an empty string, garbage)."""
    if _too_long(text):
        return None
    groups = []
    for alternative in text.split("||"):
        terms: list[_Term] = []
        hyphen = _HYPHEN.match(alternative)
        parts = [] if hyphen else [p for p in re.split(r"[\s,]+", alternative.strip()) if p]
        if hyphen:
            low, high = _bound(hyphen.group(1)), _bound(hyphen.group(2))
            if low is None or high is None:
                return None
            terms.append(_Term(_version(low[0]), True, *_upper(high), prerelease=low[1] or high[1]))
        parts = _joined_operators(parts)
        for part in parts:
            term = _term(part)
            if term is None:
                return None
            terms.append(term)
        if not terms:
            return None
        groups.append(tuple(terms))
    return Constraint(text, tuple(groups))


def _joined_operators(parts: list[str]) -> list[str]:
    """`>= 1.0` (an operator, then its version, split by the space) is one term."""
    out: list[str] = []
    for part in parts:
        if out and re.fullmatch(r"=|!=|>=|=>|<=|=<|>|<|~>|~|\^", out[-1]):
            out[-1] += part
        else:
            out.append(part)
    return out


_Parts = tuple[int | None, int | None, int | None]  # None: a wildcard or a missing part


def _split(text: str) -> tuple[str, _Parts, tuple[str, ...]] | None:
    match = _TERM.match(text.strip())
    if not match:
        return None

    def number(part: str | None) -> int | None:
        return None if part is None or part in _WILD else int(part)

    major, minor, patch = (number(match.group(i)) for i in (2, 3, 4))
    if major is None and (minor is not None or patch is not None):
        return None
    pre = tuple(match.group(5).split(".")) if match.group(5) else ()
    return match.group(1) or "=", (major, minor, patch), pre


def _bound(text: str) -> tuple[_Parts, bool] | None:
    split = _split(text)
    return None if split is None else (split[1], bool(split[2]))


def _version(parts: _Parts, pre: tuple[str, ...] = ()) -> Version:
    return Version(parts[0] or 0, parts[1] or 0, parts[2] or 0, pre)


def _next(parts: _Parts) -> Version | None:
    """The first version past everything `parts` stands for (1.2.x → 1.3.0, 1.x → 2.0.0); None for `*`."""
    major, minor, patch = parts
    if major is None:
        return None
    if minor is None:
        return Version(major + 1, 0, 0)
    if patch is None:
        return Version(major, minor + 1, 0)
    return Version(major, minor, patch + 1)


def _upper(parts: tuple[_Parts, bool]) -> tuple[Version | None, bool]:
    """The upper end of a hyphen range: `- 1.4` means up to any 1.4.x."""
    values, _ = parts
    if None in values:
        return _next(values), False
    return _version(values), True


def _term(text: str) -> _Term | None:
    split = _split(text)
    if split is None:
        return None
    op, parts, pre = split
    major, minor, patch = parts
    wild = None in parts
    low = _version(parts, pre)
    has_pre = bool(pre)
    if op == "=":
        if wild:
            return _Term(low, True, _next(parts), prerelease=has_pre)
        return _Term(low, True, low, True, prerelease=has_pre)
    if op == "!=":
        return _Term(excluded=low, prerelease=has_pre)
    if op in (">=", "=>"):
        return _Term(low, True, prerelease=has_pre)
    if op == ">":
        return _Term(_next(parts), True, prerelease=has_pre) if wild else _Term(low, False, prerelease=has_pre)
    if op in ("<=", "=<"):
        return (
            _Term(high=_next(parts), prerelease=has_pre)
            if wild
            else _Term(high=low, high_inclusive=True, prerelease=has_pre)
        )
    if op == "<":
        return _Term(high=low, prerelease=has_pre)
    if op in ("~", "~>"):
        if major is None:
            return _Term(prerelease=has_pre)
        high = Version(major + 1, 0, 0) if minor is None else Version(major, minor + 1, 0)
        return _Term(low, True, high, prerelease=has_pre)
    # caret: the leftmost non-zero part may not change
    if major is None:
        return _Term(prerelease=has_pre)
    if major > 0 or minor is None:
        high = Version(major + 1, 0, 0)
    elif minor > 0 or patch is None:
        high = Version(0, minor + 1, 0)
    else:
        high = Version(0, 0, patch + 1)
    return _Term(low, True, high, prerelease=has_pre)
