"""Apply the edits checks propose (checks never write files).

For YAML files, ruamel's round-trip parser finds the exact line and column of the scalar at the
fix's path; only that token is replaced in the original text, so comments, quoting, indentation
and everything else stay byte for byte. Templates (not YAML) are edited by replacing the token on
the reported line. Writes are atomic (temp file + rename) and a fix whose old token is not found
is skipped and reported, never guessed.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.sensitive import MASK, is_credential_key
from ..model import Finding, Fix, YamlPath


@dataclass(frozen=True)
class FileEdit:
    path: str
    before: str
    after: str
    applied: tuple[Fix, ...]
    skipped: tuple[tuple[Fix, str], ...]  # (fix, why)


def _ruamel_position(text: str, ypath: YamlPath) -> tuple[int, int] | None:
    """0-based (line, column) of the scalar value at `ypath`, via ruamel round-trip."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    try:
        node = yaml.load(text)
    except (YAMLError, ValueError):
        return None
    for step in ypath[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    last = ypath[-1]
    try:
        if isinstance(last, int):
            line, column = node.lc.item(last)
        else:
            line, column = node.lc.value(last)
        return int(line), int(column)
    except (AttributeError, KeyError, TypeError):
        return None


def _replace_at(line: str, column: int | None, old: str, new: str) -> str | None:
    """Replace the token `old` (optionally quoted) at `column`, or the only whole-token match."""
    if column is not None:
        for quote in ("", '"', "'"):
            token = f"{quote}{old}{quote}"
            if line.startswith(token, column):
                return line[:column] + f"{quote}{new}{quote}" + line[column + len(token) :]
    matches = list(re.finditer(rf"(?<![\w.-]){re.escape(old)}(?![\w.-])", line))
    if len(matches) != 1:
        return None
    m = matches[0]
    return line[: m.start()] + new + line[m.end() :]


def plan(root: Path, fixes: Iterable[Fix]) -> list[FileEdit]:
    """Compute the edits per file, in memory; nothing is written."""
    by_file: dict[str, list[Fix]] = {}
    for fix in fixes:
        by_file.setdefault(fix.path, []).append(fix)
    edits = []
    for path in sorted(by_file):
        full = root / path
        if full.is_symlink() or not full.is_file():
            edits.append(FileEdit(path, "", "", (), tuple((f, "not a regular file") for f in by_file[path])))
            continue
        with open(full, encoding="utf-8", newline="") as stream:  # keep \r\n as written
            before = stream.read()
        lines = before.splitlines(keepends=True)
        applied, skipped = [], []
        unique = {(f.line, f.old, f.new, f.ypath): f for f in by_file[path]}.values()
        for fix in sorted(unique, key=lambda f: f.line):
            position = _ruamel_position(before, fix.ypath) if fix.ypath and path.endswith((".yaml", ".yml")) else None
            line_index, column = (position[0], position[1]) if position else (fix.line - 1, None)
            if not 0 <= line_index < len(lines):
                skipped.append((fix, "line not found"))
                continue
            replaced = _replace_at(lines[line_index], column, fix.old, fix.new)
            if replaced is None:
                skipped.append((fix, f"`{fix.old}` not found on line {line_index + 1}"))
                continue
            lines[line_index] = replaced
            applied.append(fix)
        edits.append(FileEdit(path, before, "".join(lines), tuple(applied), tuple(skipped)))
    return edits


def diff(edits: list[FileEdit]) -> str:
    """A unified diff of the edits; lines that hold a secret value are shown masked."""
    out: list[str] = []
    for edit in edits:
        if edit.before != edit.after:
            out.extend(
                difflib.unified_diff(
                    _masked(edit.before),
                    _masked(edit.after),
                    f"a/{edit.path}",
                    f"b/{edit.path}",
                )
            )
    return "".join(out)


_KEY_LINE = re.compile(
    r"^(?P<lead>\s*(?:- )?)(?P<key>[^\s:#'\"][^:#]*?|'[^']*'|\"[^\"]*\")(?P<sep>\s*:(?:\s+|$))(?P<value>.*)$"
)
_SECRET_KIND = re.compile(r"(?m)^kind:\s*['\"]?(Secret|SealedSecret)['\"]?\s*$")


def _masked(text: str) -> list[str]:
    """The lines of `text`, each value under a credential key (or in a Secret's data, stringData
    or a SealedSecret's template data) replaced by `***`, block scalars included; keys stay."""
    secret_file = bool(_SECRET_KIND.search(text))
    out: list[str] = []
    data_below: int | None = None  # keys indented deeper than this hold secret values
    block_below: int | None = None  # lines indented deeper than this are a secret block scalar
    for line in text.splitlines(keepends=True):
        body, end = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")) :]
        indent = len(body) - len(body.lstrip(" "))
        if body.strip():
            block_below = None if block_below is not None and indent <= block_below else block_below
            data_below = None if data_below is not None and indent <= data_below else data_below
        if block_below is not None:
            out.append(" " * indent + MASK + end if body.strip() else line)
            continue
        match = _KEY_LINE.match(body)
        if match is None:
            out.append(line)
            continue
        key, value = match.group("key").strip("'\""), match.group("value").strip()
        if secret_file and key in ("data", "stringData") and not value:
            data_below = indent
        elif (data_below is not None or is_credential_key(key)) and value:
            if value[:1] in ("|", ">"):
                block_below = indent
            else:
                line = match.group("lead") + match.group("key") + match.group("sep") + MASK + end
        out.append(line)
    return out


def write(root: Path, edits: list[FileEdit]) -> list[str]:
    """Write changed files atomically; returns the paths written."""
    written = []
    for edit in edits:
        if edit.before == edit.after:
            continue
        target = root / edit.path
        mode = target.stat().st_mode & 0o7777
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".m0sh1-lint", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(edit.after)
            os.chmod(temp, mode)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        written.append(edit.path)
    return written


def fixes_of(findings: Iterable[Finding]) -> list[Fix]:
    return [f.fix for f in findings if f.fix is not None and f.suppressed is None]
