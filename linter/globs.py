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
    return _compile(pattern.lstrip("./") if pattern.startswith("./") else pattern).match(path) is not None


def any_match(patterns: tuple[str, ...] | list[str], path: str) -> bool:
    return any(glob_match(p, path) for p in patterns)
