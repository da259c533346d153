"""Repo data made safe for a terminal or a log: control characters shown, not obeyed.

A repository can put an escape sequence (clear the screen, set the title), a carriage return
or a newline (forge a line that starts with `::error` in a CI log) or a bidirectional override
(text that reads differently than it is) into a name or a value, and from there into a message.
Every human-readable format prints repo text through `printable`; JSON and SARIF escape control
characters by their own syntax, and the github format encodes newlines as its protocol asks."""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_BUT_NEWLINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\e"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` with every control character and bidirectional mark written as an escape (but
    CR and LF with `keep_newlines`, for a format that encodes them itself)."""
    return (_UNSAFE_BUT_NEWLINES if keep_newlines else _UNSAFE).sub(_shown, text)
