"""Glob matching on repo-relative POSIX paths, where `**` crosses directories."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def glob_match(pattern: str, path: str) -> bool:
    """True when `path` matches `pattern`; a pattern ending in `/` matches everything below it."""
    if pattern.endswith("/"):
        pattern += "**"
    return _compile(pattern[2:] if pattern.startswith("./") else pattern).match(path) is not None


def any_match(patterns: tuple[str, ...] | list[str], path: str) -> bool:
    return any(glob_match(p, path) for p in patterns)


def helmignored(inner: str, patterns: list[str]) -> bool:
    """Helm's .helmignore: globs on the path or on any of its names; `!` negates; `dir/` dirs."""
    ignored = False
    parts = inner.split("/")
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern[1:] if negate else pattern
        dir_only = pattern.endswith("/")
        pattern = pattern.rstrip("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts) - (1 if dir_only else 0))]
        names = parts[:-1] if dir_only else parts
        hit = (
            any(glob_match(pattern, c) for c in candidates)
            if "/" in pattern
            else any(glob_match(pattern, n) for n in names)
        )
        if hit:
            ignored = not negate
    return ignored
