"""Static reading of Helm template source: which `.Values` paths each line uses.

This is not a Go-template interpreter. It tracks `with`/`range` blocks well enough to resolve
`.foo` inside `{{ with .Values.postgresql }}` to `postgresql.foo`, which is what provenance
(values line vs template line) and "is this value rendered at all?" need.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from ...model import LineRefs, ValuesPath

_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_VALUES_REF = re.compile(r"(?<![\w)])(?:\$\w*)?\.Values((?:\.[A-Za-z_][\w-]*)*)")  # .Values, $.Values, $root.Values
_INDEX_REF = re.compile(r"index\s+\$?\.Values((?:\s+\"[^\"]+\")+)")
_RELATIVE_REF = re.compile(r"(?<![\w$)\]])\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
_DEFAULT = re.compile(r"default\s+\"([^\"]*)\"|default\s+'([^']*)'")
_BLOCK_OPEN = re.compile(r"^\s*(with|range|if|define|block)\b(.*)$", re.S)
_BLOCK_END = re.compile(r"^\s*end\b")
_BARE_DOT = re.compile(r"(?<![\w$)\].])\.(?![\w.])")  # `.` itself: the block's whole context
_BUILTIN_ROOTS = {"Values", "Release", "Chart", "Capabilities", "Template", "Files"}


def _paths_in(expr: str, context: ValuesPath | None) -> list[ValuesPath]:
    found: list[ValuesPath] = []
    for match in _VALUES_REF.finditer(expr):
        path = tuple(sys.intern(p) for p in match.group(1).split(".") if p)
        found.append(() if path[:1] == ("AsMap",) else path)  # `dig "a" "b" .Values.AsMap`: all of .Values
    for match in _INDEX_REF.finditer(expr):
        found.append(tuple(sys.intern(p) for p in re.findall(r"\"([^\"]+)\"", match.group(1))))
    if context is not None:
        stripped = _VALUES_REF.sub(" ", expr)
        for match in _RELATIVE_REF.finditer(stripped):
            parts = tuple(sys.intern(p) for p in match.group(1).split("."))
            if parts[0] not in _BUILTIN_ROOTS:
                found.append(context + parts)
    return found


def _block_context(keyword: str, expr: str, context: ValuesPath | None) -> ValuesPath | None:
    """The dot inside a `with X` / `range X` block, as a values path when X is one."""
    if keyword not in ("with", "range"):
        return context if keyword == "if" else None
    # `range $k, $v := .Values.x` and `with $x := .Values.y` bind variables; the dot still moves.
    expr = expr.split(":=", 1)[-1]
    paths = _paths_in(expr, context)
    if not paths:
        return None
    return paths[0] + (("*",) if keyword == "range" else ())


def scan(source: str) -> dict[int, LineRefs]:
    """Map 1-based template line → the values paths and default literals its actions use."""
    stack: list[ValuesPath | None] = []
    context: ValuesPath | None = ()
    per_line: dict[int, tuple[list[ValuesPath], list[str], list[ValuesPath]]] = {}
    line, counted = 1, 0
    for match in _ACTION.finditer(source):
        expr = match.group(1)
        if expr.lstrip().startswith("/*"):
            continue  # a template comment
        line += source.count("\n", counted, match.start())  # counted incrementally: linear in the source
        counted = match.start()
        tested: list[ValuesPath] = []
        opened = _BLOCK_OPEN.match(expr)
        if opened:
            keyword, rest = opened.group(1), opened.group(2)
            stack.append(context)
            refs = _paths_in(rest, context)
            if keyword in ("if", "with") and ":=" not in rest:
                tested = list(refs)  # `with $b := .Values.b` reads through $b: unseen, so a whole read
            context = _block_context(keyword, rest, context)
        elif _BLOCK_END.match(expr):
            context = stack.pop() if stack else ()
            continue
        else:
            refs = _paths_in(expr, context)
            if context and _BARE_DOT.search(expr):
                refs.append(context)  # `toYaml .` inside `with .Values.x`: all of x
        defaults = [a or b for a, b in _DEFAULT.findall(expr)]
        if refs or defaults:
            entry = per_line.setdefault(line, ([], [], []))
            entry[0].extend(refs)
            entry[1].extend(defaults)
            entry[2].extend(tested)
    return {line: LineRefs(tuple(v), tuple(d), tuple(t)) for line, (v, d, t) in per_line.items()}


_DEFINE = re.compile(r"\{\{-?\s*(?:define|block)\s+\"([^\"]+)\"")
_CALL = re.compile(r"\b(?:include|template)\s+(\"[^\"]*\"|\S+)")


def named_templates(sources: Iterable[str]) -> tuple[set[str], set[str] | None]:
    """The named templates `sources` define, and those they call with `include` / `template`
    (None when a call's name is computed: `include (printf "%s.x" .Chart.Name) .`)."""
    defined: set[str] = set()
    called: set[str] | None = set()
    for source in sources:
        defined.update(_DEFINE.findall(source))
        for action in _ACTION.findall(source):
            for name in _CALL.findall(action):
                if not (name.startswith('"') and name.endswith('"')) or called is None:
                    called = None
                    continue
                called.add(name[1:-1])
    return defined, called


def all_paths(refs: Mapping[int, LineRefs]) -> set[ValuesPath]:
    return {path for line in refs.values() for path in line.values}


def strip_actions(line: str) -> str:
    """A template line with its `{{ }}` actions removed (for aligning rendered lines)."""
    return _ACTION.sub("", line)


def refs_as_json(refs: Mapping[int, LineRefs]) -> list[list[Any]]:
    """A scan as JSON, for the chart cache to keep between runs (a fetched chart's templates are
    the same text every run, and a repository with many fetched charts has thousands of them)."""
    return [
        [line, [list(p) for p in r.values], list(r.defaults), [list(p) for p in r.tested]] for line, r in refs.items()
    ]


def refs_from_json(data: Any) -> dict[int, LineRefs] | None:
    """A scan refs_as_json kept; None when `data` is not one (a damaged cache entry)."""
    if not isinstance(data, list):
        return None
    out: dict[int, LineRefs] = {}
    for item in data:
        if not (isinstance(item, list) and len(item) == 4 and isinstance(item[0], int)):
            return None
        line, values, defaults, tested = item
        paths, tested_paths = _paths_from_json(values), _paths_from_json(tested)
        if paths is None or tested_paths is None or not _strings(defaults):
            return None
        out[line] = LineRefs(paths, tuple(defaults), tested_paths)
    return out


def _paths_from_json(data: Any) -> tuple[ValuesPath, ...] | None:
    if not isinstance(data, list) or not all(isinstance(p, list) and _strings(p) for p in data):
        return None
    return tuple(tuple(sys.intern(step) for step in path) for path in data)


def _strings(data: Any) -> bool:
    return isinstance(data, list) and all(isinstance(item, str) for item in data)
