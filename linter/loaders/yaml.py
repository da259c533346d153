"""YAML documents with positions, parsed with PyYAML's C composer.

ruamel's round-trip parser keeps comments but is ~20x slower; the linter only needs data and the
line/column of every key, so it composes the node graph in C and walks it here. ruamel is used
only where a file is written back (post/fix.py).

Positions are computed lazily: the first walk builds the data only; the line and column of every
key are walked out of the same text the first time a finding (or provenance) asks for one. Most
documents never need them, and a position map costs more memory than the data itself.

The walk is bounded: a file whose data has more than `MAX_NODES` nodes or `MAX_TEXT_BYTES` of
scalar text, counting every use of an alias (a "billion laughs" file, or one large scalar
aliased thousands of times), or nests deeper than `MAX_DEPTH`, is reported instead of expanded;
so is a recursive alias. What reaches Helm as values has passed this walk.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from ..model import Location, Problem, YamlDoc, YamlPath
from ..model.yamldoc import pack

try:  # the C composer is ~10x faster; fall back to pure Python where libyaml is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class _ReanchoringLoader(yaml.SafeLoader):
    """YAML lets a later node take an anchor again, an alias then meaning the latest (YAML 1.2
    §3.2.2.2), and Go's yaml (Helm's values, Argo CD's manifests) accepts it; PyYAML refuses with
    "found duplicate anchor". This composer forgets the earlier node instead."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if not isinstance(event, yaml.AliasEvent) and event.anchor is not None:
            self.anchors.pop(event.anchor, None)
        return super().compose_node(parent, index)


_ANCHOR = re.compile(r"(?:^|[\s\[{,])&([^\s,\[\]{}]+)")


def _loader_for(text: str) -> type:
    """The C composer, unless the text may define an anchor twice (rare: the Python one is slower)."""
    if "&" in text:
        anchors = _ANCHOR.findall(text)
        if len(anchors) != len(set(anchors)):
            return _ReanchoringLoader
    return _Loader


MAX_NODES = 200_000  # per file, counting alias expansions
MAX_TEXT_BYTES = 64 << 20  # scalar text per file, counting alias expansions
# mappings and sequences inside one another; real manifests stay under 40 (cert-manager's CRDs),
# and every consumer of the data (checks, caches, Helm values) walks it recursively
MAX_DEPTH = 200
_INTERNED = 64  # scalars up to this length are interned
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_KEEP_AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}


ALIAS_FIX = "Replace the aliases with plain values"
DEPTH_FIX = "Flatten the nesting (no manifest or values file needs this depth)"


class _TooLarge(Exception):
    def __init__(self, reason: str, fix: str = ALIAS_FIX) -> None:
        self.reason = reason
        self.fix = fix


class _Recursive(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


@dataclass
class _Walk:
    path: str
    problems: list[Problem]
    budget: int = MAX_NODES
    text_budget: int = MAX_TEXT_BYTES
    active: set[int] = field(default_factory=set)  # nodes being converted (a recursive alias)
    old_bools: bool = True  # `y`, `yes`, `on` are booleans (go-yaml v2); False: strings (kustomize)

    def enter(self, node: yaml.Node) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge(f"it has more than {MAX_NODES} nodes (an alias counts each time it is used)")
        if isinstance(node, yaml.ScalarNode):
            self.text_budget -= len(node.value)
            if self.text_budget < 0:
                limit = MAX_TEXT_BYTES >> 20
                raise _TooLarge(f"its values add up to more than {limit} MiB of text (an alias counts each time)")
        if not isinstance(node, yaml.ScalarNode):
            if id(node) in self.active:
                raise _Recursive(node.start_mark.line + 1)
            if len(self.active) >= MAX_DEPTH:  # `active` holds the node's ancestors
                raise _TooLarge(f"it nests more than {MAX_DEPTH} mappings or sequences deep", DEPTH_FIX)


# Plain scalars are typed the way Kubernetes, Argo CD and Helm type them (sigs.k8s.io/yaml over
# go-yaml v2), not the way PyYAML's YAML 1.1 resolver does: `1e+08` is a number, `y` a boolean,
# `12:30` and timestamps are strings (docs/reference/kubernetes.md §2.2-2.5).
_GO_NULL = frozenset({"~", "null", "Null", "NULL", ""})
_GO_BOOL = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_GO_SPECIAL = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}
_GO_TIMESTAMP = re.compile(r"[0-9]{4}-")
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_INT = re.compile(
    r"(?P<sign>[-+]?)(?:0[xX](?P<hex>[0-9a-fA-F]+)|0[oO]?(?P<oct>[0-7]+)|0[bB](?P<bin>[01]+)|(?P<dec>[1-9][0-9]*|0))"
)
INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
_GO_FIRST = frozenset("+-.0123456789yYnN~")  # plain strings PyYAML keeps that Go may not
_YAML12_BOOL = frozenset(("true", "True", "TRUE", "false", "False", "FALSE"))


def go_plain(text: str, old_bools: bool = True) -> Any:
    """A plain (unquoted, untagged) scalar as go-yaml v2 resolves it for Kubernetes. Without
    `old_bools`, as kustomize (go-yaml v3) reads it: only true/false are booleans; `on`, `yes`,
    `y` stay strings, and kustomize writes them out quoted, so the API server sees strings too."""
    if text in _GO_NULL:
        return None
    if text in _GO_BOOL:
        return _GO_BOOL[text] if old_bools or text in _YAML12_BOOL else text
    if text[0] not in "+-.0123456789":
        return text
    if text in _GO_SPECIAL:
        return _GO_SPECIAL[text]
    if _GO_TIMESTAMP.match(text):
        return text  # a timestamp keeps its exact text (and nothing else starting so is a number)
    digits = text.replace("_", "")
    number = _go_int(digits)
    if number is not None:
        return number
    if _GO_FLOAT.fullmatch(digits):
        value = float(digits)
        return text if math.isinf(value) else value  # an overflowing float stays a string
    return text


def _go_int(text: str) -> int | None:
    """strconv.ParseInt(s, 0, 64), then ParseUint: base from the prefix, a leading 0 is octal."""
    match = _GO_INT.fullmatch(text)
    if match is None or len(text) > 70:
        return None
    for group, base in (("hex", 16), ("oct", 8), ("bin", 2), ("dec", 10)):
        if match.group(group) is not None:
            value = int(match.group(group), base)
            value = -value if match.group("sign") == "-" else value
            unsigned = match.group("sign") == "" and value <= UINT64_MAX
            return value if INT64_MIN <= value <= INT64_MAX or unsigned else None
    return None


def _scalar(node: yaml.ScalarNode, old_bools: bool = True) -> Any:
    plain = not node.style  # None from the Python composer, "" from the C one
    standard = node.tag.startswith("tag:yaml.org,2002:")
    if plain and standard and (node.tag != _STR_TAG or node.value[:1] in _GO_FIRST):
        value = go_plain(node.value, old_bools)
        return sys.intern(value) if isinstance(value, str) and len(value) <= _INTERNED else value
    if node.tag == _STR_TAG:
        # most scalars: skip the constructor (a third of parse time); short ones repeat across
        # documents (`v1`, `ReadWriteOnce`, label values): keep one copy of each
        return sys.intern(node.value) if len(node.value) <= _INTERNED else node.value
    if node.tag in _KEEP_AS_TEXT or not node.tag.startswith("tag:yaml.org,2002:"):
        return node.value  # custom tags (!vault, !Ref) keep their text
    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except Exception:
        return node.value


def _key(node: yaml.Node) -> str:
    """A mapping key as the data holds it: always text ("1: x" and "on: push" keep their text)."""
    if not isinstance(node, yaml.ScalarNode):
        return str(node.value)
    key = _scalar(node)
    if not isinstance(key, str):
        key = node.value
    return sys.intern(key)  # keys repeat in every document (apiVersion, metadata, ...): store each once


def _data(node: yaml.Node, walk: _Walk) -> Any:
    walk.enter(node)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, walk.old_bools)
    walk.active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            return [_data(child, walk) for child in node.value]
        assert isinstance(node, yaml.MappingNode)
        return _mapping(node, walk)
    finally:
        walk.active.discard(id(node))


def _mapping(node: yaml.MappingNode, walk: _Walk) -> dict[str, Any]:
    result: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    first_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            for source in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                value = _data(source, walk)
                if isinstance(value, dict):
                    for k, v in value.items():
                        merged.setdefault(k, v)
            continue
        key = _key(key_node)
        line = key_node.start_mark.line + 1
        if key in result:
            where = Location(walk.path, line, key_node.start_mark.column + 1)
            walk.problems.append(Problem("LD002", where, {"key": key, "first_line": first_lines[key]}))
        first_lines.setdefault(key, line)
        result[key] = _data(value_node, walk)
    for k, v in merged.items():
        result.setdefault(k, v)
    return result


def _positions(node: yaml.Node, ypath: YamlPath, out: dict[YamlPath, int], active: set[int]) -> None:
    """Record the position of every key and sequence item below `node` (the graph is known to be
    finite and within budget: the data walk accepted it)."""
    if isinstance(node, yaml.ScalarNode) or id(node) in active:
        return
    active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                child_path = (*ypath, index)
                out.setdefault(child_path, _pos(child))
                _positions(child, child_path, out, active)
            return
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                for source in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                    _positions(source, ypath, out, active)
                continue
            child_path = (*ypath, _key(key_node))
            out[child_path] = _pos(key_node)
            _positions(value_node, child_path, out, active)
    finally:
        active.discard(id(node))


def _pos(node: yaml.Node) -> int:
    return pack(node.start_mark.line + 1, node.start_mark.column + 1)


@dataclass
class TextPositions:
    """Where the nodes of the documents in one text are, walked out of the text when first asked.

    The text is kept (rendered output), or read again through `reread` (a repo file)."""

    kept: str | None = field(repr=False)
    line_offset: int
    starts: list[int]  # 1-based first line of each document, known from the data walk
    reread: Callable[[], str] | None = field(default=None, repr=False)
    memo: PositionMemo | None = field(default=None, repr=False)  # walks kept from run to run
    memo_key: str = ""
    _maps: list[dict[YamlPath, int]] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self.kept is not None:
            return self.kept
        return self.reread() if self.reread is not None else ""

    def positions(self, index: int) -> Mapping[YamlPath, int]:
        if self._maps is None:
            self._maps = self.walked()
        return self._maps[index] if index < len(self._maps) else {}

    def walked(self) -> list[dict[YamlPath, int]]:
        """`walk`, or what it gave an earlier run for the same text (from `memo`: [path,
        position] pairs, JSON keeping a path's str keys and int indexes apart, kept as one
        string until asked, so that the memo costs little memory)."""
        if self.memo is None:
            return self.walk()
        known = self.memo.recall(self.memo_key)
        if isinstance(known, str):
            try:
                return [{_path(steps): int(position) for steps, position in pairs} for pairs in json.loads(known)]
            except (TypeError, ValueError, RecursionError):
                pass
        maps = self.walk()
        self.memo.remember(self.memo_key, json.dumps([[[list(path), pos] for path, pos in m.items()] for m in maps]))
        return maps

    def start_line(self, index: int) -> int:
        return self.starts[index] if index < len(self.starts) else 1

    def walk(self) -> list[dict[YamlPath, int]]:
        """The position map of each document, walked out of the text (not kept: see positions)."""
        maps: list[dict[YamlPath, int]] = []
        shift = pack(self.line_offset, 0)
        try:
            for root in yaml.compose_all(self.text, Loader=_loader_for(self.text)):
                found: dict[YamlPath, int] = {}
                _positions(root, (), found, set())
                maps.append({k: v + shift for k, v in found.items()} if shift else found)
                if len(maps) == len(self.starts):
                    break  # the data walk stopped here (a later document has an error)
        except (yaml.YAMLError, RecursionError):
            pass  # the data walk reported it; documents before the error keep their positions
        return maps


def _path(steps: list[str | int]) -> YamlPath:
    """A path read back from JSON, its keys shared as the walk shares them (millions of them)."""
    return tuple(sys.intern(step) if isinstance(step, str) else step for step in steps)


def parse_documents(
    text: str,
    path: str,
    line_offset: int = 0,
    reread: Callable[[], str] | None = None,
    old_bools: bool = True,
) -> tuple[list[YamlDoc], list[Problem]]:
    """Parse every document in `text`; syntax errors become LD001 problems, never exceptions.

    `line_offset` shifts reported lines, for YAML embedded in another file (an Application's
    inline `helm.values`). With `reread`, the text is not kept: positions read it again.
    `old_bools=False` for what kustomize reads (see `go_plain`).
    """
    problems: list[Problem] = []
    found: list[tuple[int, Any]] = []
    walk = _Walk(path, problems, old_bools=old_bools)
    try:
        for root in yaml.compose_all(text, Loader=_loader_for(text)):
            found.append((root.start_mark.line + 1 + line_offset, _data(root, walk)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            reason += " (a tab: YAML forbids tabs for indentation)"
        problems.append(Problem("LD001", Location(path, line + line_offset, col), {"reason": reason}))
    except yaml.YAMLError as exc:
        problems.append(Problem("LD001", Location(path, 1 + line_offset, 1), {"reason": str(exc).splitlines()[0]}))
    except _TooLarge as exc:
        fields = {"reason": exc.reason, "fix": exc.fix}
        problems.append(Problem("LD006", Location(path, 1 + line_offset, 1), fields))
        return [], problems
    except _Recursive as exc:
        fields = {"reason": "an alias refers to itself", "fix": ALIAS_FIX}
        problems.append(Problem("LD006", Location(path, exc.line + line_offset, 1), fields))
        return [], problems
    except RecursionError:  # PyYAML's composer, before the walk counts the depth
        fields = {"reason": "nesting is too deep", "fix": DEPTH_FIX}
        problems.append(Problem("LD006", Location(path, 1 + line_offset, 1), fields))
        return [], problems
    source = TextPositions(None if reread else text, line_offset, [start for start, _ in found], reread)
    return [YamlDoc(path, index, data, source) for index, (_, data) in enumerate(found)], problems


Parsed = list[tuple[int, Any]]  # (first line, data) of each document of a text


def parsed_form(docs: list[YamlDoc]) -> Parsed | None:
    """The documents as plain (first line, data) pairs that JSON keeps exactly, for a cache of
    parsed rendered output; None when some value would not survive the round trip (a timestamp)."""
    out: Parsed = []
    for doc in docs:
        if not isinstance(doc.source, TextPositions) or doc.source.line_offset or not _plain(doc.data):
            return None
        out.append((doc.source.start_line(doc.index), doc.data))
    return out


def from_parsed(
    text: str,
    path: str,
    parsed: Parsed,
    reread: Callable[[], str] | None = None,
    memo: PositionMemo | None = None,
    memo_key: str = "",
) -> list[YamlDoc]:
    """Documents rebuilt from `parsed_form` (positions still come from the text when asked)."""
    source = TextPositions(None if reread else text, 0, [start for start, _ in parsed], reread, memo, memo_key)
    return [YamlDoc(path, index, data, source) for index, (_, data) in enumerate(parsed)]


class PositionMemo(Protocol):
    """Position walks kept from one run to the next (the chart cache's recent set)."""

    def recall(self, key: str) -> Any: ...

    def remember(self, key: str, value: Any) -> None: ...


class ParseStore(PositionMemo, Protocol):
    """Where Helm's output and parsed documents are kept between runs (the chart cache's renders/)."""

    def render(self, key: str) -> Any: ...

    def store_render(self, key: str, result: Any) -> None: ...


def parse_cached(
    text: str, path: str, store: ParseStore | None, reread: Callable[[], str] | None = None, old_bools: bool = True
) -> tuple[list[YamlDoc], list[Problem]]:
    """parse_documents, through `store`: a text parsed before (by its digest) is rebuilt from
    its cached data. Only texts that parse cleanly and whose data JSON keeps exactly are kept."""
    if store is None:
        return parse_documents(text, path, reread=reread, old_bools=old_bools)
    digest = hashlib.sha256(text.encode()).hexdigest()
    key = ("parsed-" if old_bools else "parsed12-") + digest
    known = store.render(key)
    if isinstance(known, list) and all(isinstance(item, (list, tuple)) and len(item) == 2 for item in known):
        parsed = [(int(start), data) for start, data in known]
        return from_parsed(text, path, parsed, reread, store, "positions-" + digest), []
    docs, problems = parse_documents(text, path, reread=reread, old_bools=old_bools)
    plain = parsed_form(docs) if not problems else None
    if plain is not None:
        store.store_render(key, plain)
        docs = from_parsed(text, path, plain, reread, store, "positions-" + digest)
    return docs, problems


def interned(data: Any) -> Any:
    """Keys and short strings shared, as the parse walk shares them (JSON gives fresh copies:
    at 3,000 charts that is tens of MB)."""
    if isinstance(data, dict):
        return {sys.intern(k): interned(v) for k, v in data.items()}
    if isinstance(data, list):
        return [interned(v) for v in data]
    if isinstance(data, str) and len(data) <= _INTERNED:
        return sys.intern(data)
    return data


def _plain(data: Any) -> bool:
    if isinstance(data, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_plain(v) for v in data)
    return data is None or isinstance(data, (str, int, float))  # bool is an int


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def decode(raw: bytes) -> str | None:
    """Decode file bytes as YAML allows (UTF-8, or UTF-16/32 with a BOM); None when impossible."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text
