"""Map rendered lines back to the template lines they came from.

Lines are compared by their key (`storageClass:`), since values differ. Scanning forward keeps
the order of the template; wrapping back to the first occurrence follows `range` loops. Lines a
template action produced (toYaml output) inherit the last matched line. A document separator
always moves on to a later separator (or wraps): a document that rendered empty (`if` false)
still leaves its `---`, and matching it again would map the next document onto the empty one.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...model import YamlDoc, YamlPath
from ...model.yamldoc import pack, unpack
from ..yaml import TextPositions
from .templates import strip_actions

_KEY = re.compile(r"^(-\s+)?([^\s:#][^:#]*?):(\s|$)")


def _normalise(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith("---"):
        return "---"
    match = _KEY.match(stripped)
    if match:
        return (match.group(1) or "").strip() + match.group(2).strip() + ":"
    return stripped


def align(rendered: str, source: str) -> list[int]:
    """For each rendered line (0-based), the 1-based template line it most likely came from."""
    index: dict[str, list[int]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        key = _normalise(strip_actions(line))
        if key:
            index.setdefault(key, []).append(number)
    result: list[int] = []
    previous = 0
    for line in rendered.splitlines():
        key = _normalise(line)
        candidates = index.get(key)
        if candidates:
            at = (bisect.bisect_right if key == "---" else bisect.bisect_left)(candidates, previous)
            previous = candidates[at] if at < len(candidates) else candidates[0]
        result.append(previous)
    return result


@dataclass
class TemplatePositions:
    """Positions of the documents of one rendered file, as template lines: each rendered line is
    mapped to the template line that produced it. Computed when a finding first asks."""

    rendered: TextPositions = field(repr=False)
    template_source: str = field(repr=False)
    _maps: list[dict[YamlPath, int]] | None = field(default=None, repr=False)
    _targets: list[int] | None = field(default=None, repr=False)

    def positions(self, index: int) -> Mapping[YamlPath, int]:
        if self._maps is None:
            self._maps = [
                {path: self._target(unpack(p)[0]) for path, p in found.items()} for found in self.rendered.walked()
            ]
        return self._maps[index] if index < len(self._maps) else {}

    def start_line(self, index: int) -> int:
        return unpack(self._target(self.rendered.start_line(index)))[0]

    def _target(self, line: int) -> int:
        """The packed template position of a rendered line (line 1 when it cannot be traced)."""
        if self._targets is None:
            self._targets = self._map_lines()
        return self._targets[line - 1] if 0 < line <= len(self._targets) else pack(1, 1)

    def _map_lines(self) -> list[int]:
        if not self.template_source:
            return []
        memo, key = self.rendered.memo, ""
        if memo is not None and self.rendered.memo_key:
            source_digest = hashlib.sha256(self.template_source.encode()).hexdigest()
            key = f"lines-{self.rendered.memo_key}-{source_digest}"
            known = memo.recall(key)
            if isinstance(known, str):  # kept as one string: see TextPositions.walked
                try:
                    lines = json.loads(known)
                    if isinstance(lines, list) and all(isinstance(p, int) for p in lines):
                        return lines
                except (ValueError, RecursionError):
                    pass
        out = self._aligned()
        if memo is not None and key:
            memo.remember(key, json.dumps(out))
        return out

    def _aligned(self) -> list[int]:
        lines = self.template_source.splitlines()
        out = []
        for mapped in align(self.rendered.text, self.template_source):
            text = lines[mapped - 1] if mapped else ""
            out.append(pack(mapped, len(text) - len(text.lstrip()) + 1) if mapped else pack(1, 1))
        return out


def remap(docs: list[YamlDoc], template_source: str) -> list[YamlDoc]:
    """The documents of one rendered file, their positions traced to template lines."""
    if not docs:
        return docs
    rendered = docs[0].source
    assert isinstance(rendered, TextPositions), "rendered output is parsed from text"
    source = TemplatePositions(rendered, template_source)
    return [YamlDoc(doc.path, doc.index, doc.data, source) for doc in docs]
