"""Map rendered lines back to the template lines they came from.

Lines are compared by their key (`storageClass:`), since values differ. Scanning forward keeps
the order of the template; wrapping back to the first occurrence follows `range` loops. Lines a
template action produced (toYaml output) inherit the last matched line.
"""

from __future__ import annotations

import bisect
import re

from ...model import YamlDoc, YamlPath
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
        candidates = index.get(_normalise(line))
        if candidates:
            at = bisect.bisect_left(candidates, previous)
            previous = candidates[at] if at < len(candidates) else candidates[0]
        result.append(previous)
    return result


def remap(doc: YamlDoc, line_map: list[int] | None, source: str) -> YamlDoc:
    """Rewrite a rendered document's positions into template lines (or line 1 without a source)."""
    if line_map is None:
        return YamlDoc(doc.path, doc.index, doc.data, dict.fromkeys(doc.positions, (1, 1)), 1)
    lines = source.splitlines()

    def target(line: int) -> tuple[int, int]:
        mapped = line_map[line - 1] if 0 < line <= len(line_map) else 0
        if not mapped:
            return (1, 1)
        text = lines[mapped - 1]
        return (mapped, len(text) - len(text.lstrip()) + 1)

    positions: dict[YamlPath, tuple[int, int]] = {path: target(line) for path, (line, _col) in doc.positions.items()}
    return YamlDoc(doc.path, doc.index, doc.data, positions, target(doc.start_line)[0])
