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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import LintError
from ..core.reading import NotReadable, read_regular
from ..core.sensitive import masked_lines
from ..loaders.files import MAX_FILE_BYTES
from ..model import Finding, Fix, YamlPath


@dataclass(frozen=True)
class FileEdit:
    path: str
    before: str
    after: str
    applied: tuple[Fix, ...]
    skipped: tuple[tuple[Fix, str], ...]  # (fix, why)


def _ruamel_positions(text: str, ypaths: Iterable[YamlPath]) -> dict[YamlPath, tuple[int, int]]:
    """0-based (line, column) of the scalar at each path, from one ruamel round-trip parse."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        root = YAML(typ="rt").load(text)
    except (YAMLError, ValueError, RecursionError):  # ruamel's composer recurses per nesting level
        return {}  # no position: the edit is skipped with its reason, the other edits still apply
    out: dict[YamlPath, tuple[int, int]] = {}
    for ypath in ypaths:
        node = root
        try:
            for step in ypath[:-1]:
                node = node[step]
            last = ypath[-1]
            line, column = node.lc.item(last) if isinstance(last, int) else node.lc.value(last)
            out[ypath] = (int(line), int(column))
        except (AttributeError, KeyError, IndexError, TypeError):
            continue
    return out


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


def read_fixable(root: Path, path: str, overlay: Mapping[str, str]) -> str | None:
    """The text a fix edits (the planned one when an earlier round changed it); None when it
    is not a regular UTF-8 file: the linter does not rewrite other encodings."""
    if path in overlay:
        return overlay[path]
    full = root / path
    if full.is_symlink():
        return None
    try:
        raw = read_regular(full, MAX_FILE_BYTES)
    except NotReadable:
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return None  # UTF-16/32, or UTF-8 with a BOM: kept as they are
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def plan(root: Path, fixes: Iterable[Fix], overlay: Mapping[str, str] | None = None) -> list[FileEdit]:
    """Compute the edits per file, in memory; nothing is written. `overlay`: texts already
    planned by an earlier round, which these edits build on."""
    overlay = overlay or {}
    by_file: dict[str, list[Fix]] = {}
    for fix in fixes:
        by_file.setdefault(fix.path, []).append(fix)
    edits = []
    for path in sorted(by_file):
        before = read_fixable(root, path, overlay)
        if before is None:
            why = "not a regular UTF-8 text file (fix it by hand)"
            edits.append(FileEdit(path, "", "", (), tuple((f, why) for f in by_file[path])))
            continue
        lines = before.splitlines(keepends=True)
        unique = list({(f.line, f.old, f.new, f.ypath): f for f in by_file[path]}.values())
        yaml_file = path.endswith((".yaml", ".yml"))
        positions = _ruamel_positions(before, [f.ypath for f in unique if f.ypath]) if yaml_file else {}
        placed = []
        for fix in unique:
            line_index, column = positions.get(fix.ypath, (fix.line - 1, None)) if fix.ypath else (fix.line - 1, None)
            placed.append((line_index, column if column is not None else -1, fix))
        applied, skipped = [], []
        # right to left on each line, so a replacement never moves a column still to be used
        for line_index, column, fix in sorted(placed, key=lambda p: (p[0], -p[1])):
            if not 0 <= line_index < len(lines):
                skipped.append((fix, "line not found"))
                continue
            replaced = _replace_at(lines[line_index], None if column < 0 else column, fix.old, fix.new)
            if replaced is None:
                skipped.append((fix, f"`{fix.old}` not found on line {line_index + 1}"))
                continue
            lines[line_index] = replaced
            applied.append(fix)
        applied.sort(key=lambda f: f.line)
        edits.append(FileEdit(path, before, "".join(lines), tuple(applied), tuple(skipped)))
    return edits


def diff(edits: list[FileEdit]) -> str:
    """A unified diff of the edits; lines that hold a secret value are shown masked."""
    out: list[str] = []
    for edit in edits:
        if edit.before != edit.after:
            out.extend(
                difflib.unified_diff(
                    masked_lines(edit.before),
                    masked_lines(edit.after),
                    f"a/{edit.path}",
                    f"b/{edit.path}",
                )
            )
    return "".join(out)


TEMP_SUFFIX = ".m0sh1-lint"
_STALE_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))  # mkstemp's name: .<file>.<8 chars>


def write(root: Path, edits: list[FileEdit]) -> list[str]:
    """Write every changed file or none: check that each can be written, write all temp files
    (flushed to disk), then rename them all into place; a failure before the renames removes
    the temps and changes nothing, a rename that fails puts back the files already renamed.
    Returns the paths written."""
    changed = [edit for edit in edits if edit.before != edit.after]
    targets = [root / edit.path for edit in changed]
    for target in targets:
        if target.is_symlink() or not target.is_file() or not os.access(target, os.W_OK):
            raise LintError(f"cannot write {target.relative_to(root)}; nothing was changed")
        if not os.access(target.parent, os.W_OK | os.X_OK):
            raise LintError(f"cannot create files in {target.parent.relative_to(root)}; nothing was changed")
    temps: list[tuple[str, Path]] = []
    try:
        for edit, target in zip(changed, targets, strict=True):
            temps.append((_write_temp(target, edit.after), target))
    except BaseException as exc:
        for temp, _ in temps:
            Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise LintError(f"cannot write the fixes ({exc.strerror or exc}); nothing was changed") from None
        raise
    done: list[FileEdit] = []
    for (temp, target), edit in zip(temps, changed, strict=True):
        try:
            os.replace(temp, target)  # a rename in one directory: the step that cannot half-happen
        except OSError as exc:
            for left, _ in temps[len(done) :]:
                Path(left).unlink(missing_ok=True)
            raise LintError(f"renaming into {edit.path} failed ({exc.strerror or exc}); {_undo(root, done)}") from None
        done.append(edit)
    return [edit.path for edit in done]


def _write_temp(target: Path, text: str) -> str:
    """A temp file beside `target` holding `text`, flushed to disk, with `target`'s mode bits."""
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, target.stat().st_mode & 0o7777)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return temp


def _undo(root: Path, done: list[FileEdit]) -> str:
    """Put back the files already renamed into place (their text before the fixes); what
    happened, in words."""
    if not done:
        return "nothing was changed"
    failed = []
    for edit in done:
        target = root / edit.path
        try:
            os.replace(_write_temp(target, edit.before), target)
        except OSError:
            failed.append(edit.path)  # a temp left behind is removed by the next --fix
    if failed:
        return f"could not restore {', '.join(failed)}: check them with git diff"
    return f"{', '.join(e.path for e in done)} restored, so nothing was changed"


def remove_stale_temps(root: Path) -> list[str]:
    """Temp files an interrupted `--fix` left behind (`.<name>.<random>.m0sh1-lint`)."""
    removed = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules", "venv", ".venv")]
        for name in filenames:
            if _STALE_TEMP.fullmatch(name):
                path = Path(dirpath) / name
                path.unlink(missing_ok=True)
                removed.append(path.relative_to(root).as_posix())
    return sorted(removed)


def fixes_of(findings: Iterable[Finding]) -> list[Fix]:
    return [f.fix for f in findings if f.fix is not None and f.suppressed is None]
