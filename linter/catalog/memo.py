"""The bundled rule files, parsed and checked against their schemas once per content.

Every run used to parse the 101 bundled rule and spec files and validate each against its JSON
Schema: about a fifth of the instructions of a run on an empty repository, paid again by every
pre-commit run for files that change only with the linter. What that yields depends only on
the files' bytes, the schemas' bytes and the linter's version, so it is kept under their sha256
in the user's cache (`catalog/<sha256>.json`) and reused while they stay the same. The checks
that depend on the linter's code (the rule's check exists, its params and message fields, its
examples) still run every time, and rule directories a config names are never memoised.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.resources import schemas_dir
from ..loaders.fetch.cache import write_atomically

_TAG = b"m0sh1-lint catalog 1\0"

# (file, its data once parsed and checked against its schema)
Documents = list[tuple[Path, Any]]


def memoised(
    directory: Path,
    paths: Sequence[Path],
    schemas: Sequence[str],
    memo_dir: Path | None,
    checked: Callable[[Path], Any],
) -> Documents:
    """`checked(path)` for each of `paths` (files under `directory`), from the memo in `memo_dir`
    when these files and `schemas` were checked before. A damaged memo is a miss; one that
    cannot be written is skipped (the cache may be read-only)."""
    if memo_dir is None:
        return [(path, checked(path)) for path in paths]
    relative = [path.relative_to(directory).as_posix() for path in paths]
    memo = memo_dir / f"{_digest(paths, relative, schemas)}.json"
    known = _read(memo, relative)
    if known is not None:
        with contextlib.suppress(OSError):
            os.utime(memo)  # recently used: kept by `cache prune`
        return [(path, data) for path, data in zip(paths, known, strict=True)]
    documents = [(path, checked(path)) for path in paths]
    pairs = [[name, data] for name, (_, data) in zip(relative, documents, strict=True)]
    with contextlib.suppress(OSError):
        encoded = _json_exactly(pairs)
        if encoded is not None:
            write_atomically(memo, encoded)
    return documents


def _digest(paths: Sequence[Path], relative: Sequence[str], schemas: Sequence[str]) -> str:
    digest = hashlib.sha256(_TAG + __version__.encode() + b"\0")
    for name in schemas:
        digest.update(name.encode() + b"\0" + (schemas_dir() / name).read_bytes() + b"\0")
    for path, name in zip(paths, relative, strict=True):
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def _json_exactly(value: Any) -> bytes | None:
    """`value` as JSON, or None when JSON would not give it back as it is (a YAML date)."""
    try:
        encoded = json.dumps(value)
    except (TypeError, ValueError):
        return None
    return encoded.encode() if json.loads(encoded) == value else None


def _read(memo: Path, relative: Sequence[str]) -> list[Any] | None:
    try:
        pairs = json.loads(memo.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(pairs, list):
        return None
    if [pair[0] if isinstance(pair, list) and len(pair) == 2 else None for pair in pairs] != relative:
        return None
    return [pair[1] for pair in pairs]
