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


@lru_cache(maxsize=512)
def _gobwas(pattern: str) -> re.Pattern[str] | None:
    """A gobwas/glob pattern compiled without separators, as Argo CD compiles directory
    `include`/`exclude`: `*` and `**` cross `/`, `{a,b}` alternatives nest; None if invalid."""
    out, depth, i = "", 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out += re.escape(pattern[i + 1])
            i += 2
            continue
        if char == "*":
            out += ".*"
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
        elif char == "?":
            out += "."
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                return None
            body = pattern[i + 1 : end]
            out += "[^" + re.escape(body[1:]) + "]" if body.startswith("!") else "[" + body.replace("\\", "\\\\") + "]"
            i = end
        elif char == "{":
            out += "(?:"
            depth += 1
        elif char == "}" and depth:
            out += ")"
            depth -= 1
        elif char == "," and depth:
            out += "|"
        else:
            out += re.escape(char)
        i += 1
    if depth:
        return None
    try:
        return re.compile(out + r"\Z", re.S)
    except re.error:
        return None


def argo_glob(pattern: str, path: str) -> bool:
    """Argo CD's directory `include`/`exclude` match of a path relative to the source path (an
    invalid pattern matches nothing, as in Argo CD)."""
    compiled = _gobwas(pattern)
    return compiled is not None and compiled.match(path) is not None
