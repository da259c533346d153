"""Source frames for the text output: the line a finding points at, with a marker under the
token at its column (as ruff and rustc show it), and its parent line when that helps.

Pure: the caller hands in the lines of the file, already masked (core/sensitive.py), so a
secret value never reaches a frame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..core.sensitive import value_masked
from .escape import printable

MAX_WIDTH = 120  # characters of a source line shown; longer lines are cut around the marker
LEAD = 40  # characters shown before the marker in a cut line
_STOPS = frozenset(" \t,]}")


@dataclass(frozen=True)
class Frame:
    lines: tuple[tuple[int, str], ...]  # (line number, text as shown), the marked line last
    start: int  # where the marker starts in the marked line's shown text
    width: int  # how many characters the marker covers (at least 1)


def frame(lines: Sequence[str], line: int, column: int, mask_values: bool = False) -> Frame | None:
    """The frame for 1-based `line` and `column` in `lines`, or None when the file has no such
    line (a finding about a whole file or the repository). `mask_values`: show keys only (the
    finding is about a Secret, so any value on these lines may be part of it)."""
    if not 1 <= line <= len(lines):
        return None
    above = _clean(lines[line - 2]) if line > 1 else ""
    text = _clean(lines[line - 1])
    if mask_values:
        above, text = value_masked(above), value_masked(text)
    at = min(max(column - 1, 0), len(text))
    width = _token_width(text, at)
    prefix, token = printable(text[:at]), printable(text[at : at + width])
    shown = prefix + token + printable(text[at + width :])
    start = len(prefix)
    if len(shown) > MAX_WIDTH:
        cut = max(0, start - LEAD)
        head = "…" if cut else ""
        shown = head + shown[cut : cut + MAX_WIDTH] + ("…" if cut + MAX_WIDTH < len(shown) else "")
        start = start - cut + len(head)
    parent = ((line - 1, printable(above[:MAX_WIDTH])),) if _is_parent(above, text) else ()
    return Frame((*parent, (line, shown)), start, max(1, min(len(token), MAX_WIDTH)))


def _clean(line: str) -> str:
    """The line without its end, tabs as one space (so the marker stays under its column)."""
    return line.rstrip("\r\n").replace("\t", " ")


def _token_width(text: str, at: int) -> int:
    """The length of what starts at `at`: a quoted scalar up to its closing quote, a `key:`
    with its value (up to a comment), else a plain token up to a space or flow delimiter."""
    if at >= len(text):
        return 1
    if text[at] in "'\"":
        close = text.find(text[at], at + 1)
        return (close + 1 - at) if close > at else len(text) - at
    end = at
    while end < len(text) and text[end] not in _STOPS:
        if text[end] == ":" and (end + 1 == len(text) or text[end + 1] == " "):
            return _with_value(text, at, end + 1)
        end += 1
    return max(1, end - at)


def _with_value(text: str, at: int, key_end: int) -> int:
    """The width of `key: value` from `at`, the value's trailing comment left out."""
    start = key_end + len(text[key_end:]) - len(text[key_end:].lstrip(" "))
    if start >= len(text) or text[start] == "#":
        return key_end - at
    if text[start] in "'\"":
        return start + _token_width(text, start) - at
    comment = text.find(" #", start)
    value_end = len(text[:comment].rstrip()) if comment >= 0 else len(text.rstrip())
    return value_end - at


def _is_parent(above: str, text: str) -> bool:
    """Is the line above less indented: the key the marked line belongs to."""
    indent = len(text) - len(text.lstrip(" "))
    return bool(above.strip()) and indent > 0 and len(above) - len(above.lstrip(" ")) < indent
