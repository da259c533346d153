"""Make a chart archive safe to hand to Helm: `values.schema.json` files, at every chart level
(nested `charts/*.tgz` included), lose their external references.

Helm validates values against each chart's schema on every render and follows `$ref`,
`$dynamicRef`, `$recursiveRef`, `$id` and custom `$schema` URLs: `file://` ones are read from
the machine (a message then leaks the first byte), relative ones resolve against `/`, `http(s)://`
ones are fetched (docs/reference/helm.md). References inside the document (`#/...`) and the
standard meta-schemas are kept, so the schema still checks values as the author meant.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from dataclasses import dataclass
from typing import Any

REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
META_SCHEMAS = frozenset(
    {
        "http://json-schema.org/draft-04/schema",
        "http://json-schema.org/draft-06/schema",
        "http://json-schema.org/draft-07/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema",
    }
)
DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_EXPANDED_BYTES = 100 * 1024 * 1024  # what an archive may unpack to (Helm's own limit)
MAX_NESTED_ARCHIVES = 1000  # archives opened for one chart, nested ones included (umbrellas have tens)
MAX_NESTING = 10  # charts/ in charts/ this deep: real charts stop at three


class ArchiveBomb(Exception):
    """A chart archive whose nested archives, together, unpack to more than one archive may."""


@dataclass
class Budget:
    """What looking through one chart archive may cost, its nested archives included: each level
    alone may be small, but a few kilobytes of archives nested in archives take hours to open."""

    bytes_left: int = MAX_EXPANDED_BYTES
    archives_left: int = MAX_NESTED_ARCHIVES

    def open(self, listed: list[tarfile.TarInfo], depth: int = 0) -> None:
        """Spend one archive (at `depth` levels of nesting) and what its members unpack to;
        ArchiveBomb once either runs out, or nesting goes deeper than any chart does."""
        if depth > MAX_NESTING:
            raise ArchiveBomb
        self.archives_left -= 1
        self.bytes_left -= sum(m.size for m in listed if m.isfile())
        if self.archives_left < 0 or self.bytes_left < 0:
            raise ArchiveBomb


def sanitize_schema(schema: Any) -> Any:
    """The schema with every external reference replaced by `true` (accept anything there)."""
    if isinstance(schema, list):
        return [sanitize_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    for key in REF_KEYS:
        target = schema.get(key)
        if isinstance(target, str) and not target.startswith("#"):
            return True
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("$id", "id") and isinstance(value, str):
            continue  # an $id would turn `#...` references into references to another document
        if key == "$schema":
            if isinstance(value, str) and value.rstrip("#") in META_SCHEMAS:
                out[key] = value
            continue
        out[key] = value if key in DATA_KEYWORDS else sanitize_schema(value)
    return out


def sanitize_schema_text(text: bytes) -> bytes:
    """A `values.schema.json` file made safe; text that is not JSON becomes an empty schema (Helm
    would reject the chart for it anyway, and the chart's own LD005/LD004 says why)."""
    try:
        schema = json.loads(text)
    except ValueError:
        return b"{}"
    cleaned = sanitize_schema(schema)
    return text if cleaned == schema else json.dumps(cleaned).encode()


def sanitize_archive(data: bytes) -> bytes:
    """The archive with every chart level's schema made safe (the same bytes when nothing
    changes). An archive Python cannot read is returned as is: Helm rejects it on load."""
    try:
        return _sanitized(data, Budget(), 0)
    except ArchiveBomb:
        return b""  # a decompression bomb: Helm gets nothing it could load


def without_schemas(data: bytes) -> bytes:
    """The archive with no chart level's `values.schema.json`: what Helm validates with
    --skip-schema-validation (nothing)."""
    try:
        return _sanitized(data, Budget(), 0, drop_schemas=True)
    except ArchiveBomb:
        return b""


def without_members(data: bytes, inner: frozenset[str]) -> bytes:
    """The archive without the chart's files at `inner` (paths below its top directory, which is
    named after the chart's folder, not its name: templates a render leaves out)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            listed = [m for m in tar.getmembers() if m.name.partition("/")[2] not in inner]
            Budget().open(listed, 0)
            return _pack([(m, _read(tar, m)) for m in listed])
    except (tarfile.TarError, OSError, EOFError, ArchiveBomb):
        return data


# a chart's own schema, or that of a subchart directory under its charts/ (Helm's loader)
_SCHEMA_MEMBER = re.compile(r"[^/]+(?:/charts/[^/]+)*/values\.schema\.json")


def _is_schema(name: str) -> bool:
    return _SCHEMA_MEMBER.fullmatch(name) is not None


def _sanitized(data: bytes, budget: Budget, depth: int, drop_schemas: bool = False) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            listed = tar.getmembers()
            budget.open(listed, depth)
            members = [(m, _read(tar, m)) for m in listed]
    except (tarfile.TarError, OSError, EOFError):
        return data
    changed = False
    rewritten: list[tuple[tarfile.TarInfo, bytes | None]] = []
    for member, content in members:
        new: bytes | None
        if drop_schemas and _is_schema(member.name):
            new = None
        elif content is not None and member.name.endswith("values.schema.json"):
            new = sanitize_schema_text(content)
        elif content is not None and member.name.endswith(".tgz") and "/charts/" in member.name:
            new = _sanitized(content, budget, depth + 1, drop_schemas)
        else:
            new = content
        changed |= new is not content and new != content
        rewritten.append((member, new))
    return _pack(rewritten) if changed else data


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes | None:
    if not member.isfile() or member.size > MAX_MEMBER_BYTES:
        return None  # left out of the repacked archive
    extracted = tar.extractfile(member)
    return extracted.read() if extracted is not None else None


def _pack(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for member, content in members:
            if content is None:
                if member.isdir():
                    tar.addfile(member)
                continue  # links and oversized files: Helm would load links as empty files anyway
            info = tarfile.TarInfo(member.name)
            info.size, info.mode, info.mtime = len(content), 0o644, member.mtime
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()
