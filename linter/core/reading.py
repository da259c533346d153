"""Reading a file the repository may have made hostile: only a regular file, never more than a
limit. A named pipe would block forever and `/dev/zero` never ends; both are refused before a
byte is read."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotReadable(Exception):
    """Why the file was not read: not a regular file, too large, or an OS error."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (links followed)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise NotReadable(f"it cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable("it is not a regular file")
        if info.st_size > limit:
            raise NotReadable(f"it is {info.st_size} bytes, more than the {limit}-byte limit")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise NotReadable(f"it grew past the {limit}-byte limit while being read")
        return data
    except OSError as exc:
        raise NotReadable(f"it cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def resolved_inside(path: Path, root: Path) -> Path | None:
    """`path` with its links resolved when that lies inside `root` (or is it), else None; None
    also for a link loop, which `Path.resolve` raises on (RuntimeError before Python 3.13)."""
    try:
        resolved, inside = path.resolve(), root.resolve()
    except (OSError, RuntimeError):
        return None
    return resolved if resolved.is_relative_to(inside) else None
