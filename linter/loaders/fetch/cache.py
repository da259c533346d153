"""The chart cache: shared by every repository and run, content-addressed, safe to share.

Layout under the cache root (`cache_root()`):

    charts/sha256/<hex>.tgz         chart archives, named by the sha256 of their bytes
    refs/<sha256 of source key>/<version>.json
                                    {source, name, version, digest, upstream}: which archive a
                                    chart version is (`upstream`: the digest its repository
                                    published, when it publishes one)
    listings/<sha256 of source key>.json
                                    {source, versions: [[version, {digest, urls}], ...]}: what a
                                    repository's index (or a registry's tags) offered when last
                                    asked, reused for a while (LISTING_TTL_S in fetcher.py) so
                                    that a warm run resolves version ranges without the network
    down/<sha256 of host>.json      {host, reason}: a host found unreachable, for a few minutes
                                    (DOWN_TTL_S in fetcher.py)
    renders/<hex>.json              rendered manifests, keyed by everything that affects them
                                    (and parsed YAML, keyed by the text's sha256)
    recent/<sha256 of repo path>.marshal
                                    {root, entries}: the renders/ entries one run of that
                                    repository used, and node positions it walked (`recent`;
                                    framed marshal ending in a sha256, see _write_recent)
    catalog/<sha256>.json           the bundled rule files, parsed and schema-checked, under the
                                    sha256 of their bytes (catalog/memo.py)

Every file is written to a temporary name and renamed into place, so a reader never sees half a
file and two runs can fill the cache at once. An archive is checked against its name when read:
a corrupted entry is dropped and fetched again (or reported when offline).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..yaml import interned

ENV_CACHE = "M0SH1_LINT_CACHE_DIR"
RECENT_GROWTH = 1.5  # the recent set may hold this many times the entries one run used
RECENT_REPOSITORIES = 8


def cache_root(repo_root: Path, configured: str | None, environ: dict[str, str] | None = None) -> Path:
    """M0SH1_LINT_CACHE_DIR, else the config's `charts.cacheDir` (inside the repository), else
    `$XDG_CACHE_HOME/m0sh1-lint` (`~/.cache/m0sh1-lint`)."""
    env = dict(os.environ if environ is None else environ)
    if env.get(ENV_CACHE):
        return Path(env[ENV_CACHE]).expanduser()
    if configured:
        return repo_root / configured
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "m0sh1-lint"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class CachedVersion:
    version: str
    digest: str  # sha256 of the archive
    upstream: str | None = None


@dataclass
class ChartCache:
    root: Path
    # renders/ entries the last run of one repository used, read as one file (`recent`): a
    # warm run of 600 charts otherwise opens some 6,000 small files
    _recent: dict[str, Any] = field(default_factory=dict)
    _used: dict[str, Any] = field(default_factory=dict)
    _recent_path: Path | None = None
    _recent_root: str = ""

    # --- archives ----------------------------------------------------------------------------

    def _blob(self, digest: str) -> Path:
        return self.root / "charts" / "sha256" / f"{digest}.tgz"

    def archive(self, digest: str) -> bytes | None:
        """The archive with this sha256, or None (missing, or corrupted: then it is removed)."""
        path = self._blob(digest)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if sha256(data) != digest:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by `cache prune`
        return data

    def store(self, source_key: str, name: str, version: str, data: bytes, upstream: str | None = None) -> str:
        digest = sha256(data)
        if not self._blob(digest).exists():
            write_atomically(self._blob(digest), data)
        record = {"source": source_key, "name": name, "version": version, "digest": digest, "upstream": upstream}
        write_atomically(self._ref(source_key, version), json.dumps(record).encode())
        return digest

    # --- versions ------------------------------------------------------------------------------

    def _refs(self, source_key: str) -> Path:
        return self.root / "refs" / sha256(source_key.encode())

    def _ref(self, source_key: str, version: str) -> Path:
        safe = "".join(c if c.isalnum() or c in ".-_+" else "_" for c in version)
        return self._refs(source_key) / f"{safe}.json"

    def version(self, source_key: str, version: str) -> CachedVersion | None:
        record = _json(self._ref(source_key, version))
        digest = record.get("digest") if isinstance(record, dict) else None
        if not isinstance(record, dict) or record.get("version") != version or not _is_digest(digest):
            return None
        return CachedVersion(version, str(record["digest"]), record.get("upstream"))

    def versions(self, source_key: str) -> list[str]:
        """Versions of the chart the cache holds (for resolving a range offline)."""
        directory = self._refs(source_key)
        try:
            entries = sorted(directory.iterdir())
        except OSError:
            return []
        out = []
        for path in entries:
            record = _json(path)
            if isinstance(record, dict) and isinstance(record.get("version"), str):
                out.append(record["version"])
        return out

    # --- listings ------------------------------------------------------------------------------

    def _listing(self, source_key: str) -> Path:
        return self.root / "listings" / f"{sha256(source_key.encode())}.json"

    def listing(self, source_key: str, max_age_s: float) -> list[tuple[str, dict[str, Any]]] | None:
        """The versions a repository offered, if asked less than `max_age_s` ago."""
        record = _recent_json(self._listing(source_key), max_age_s)
        if not isinstance(record, dict) or record.get("source") != source_key:
            return None
        entries = record.get("versions")
        if not isinstance(entries, list):
            return None
        return [(str(e[0]), e[1]) for e in entries if isinstance(e, list) and len(e) == 2 and isinstance(e[1], dict)]

    def store_listing(self, source_key: str, listing: list[tuple[str, dict[str, Any]]]) -> None:
        kept = [[version, {k: entry[k] for k in ("digest", "urls") if k in entry}] for version, entry in listing]
        write_atomically(self._listing(source_key), json.dumps({"source": source_key, "versions": kept}).encode())

    # --- unreachable hosts -----------------------------------------------------------------------

    def _down(self, host: str) -> Path:
        return self.root / "down" / f"{sha256(host.encode())}.json"

    def down(self, host: str, max_age_s: float) -> str | None:
        """Why `host` could not be reached, if that was found less than `max_age_s` ago."""
        record = _recent_json(self._down(host), max_age_s)
        if not isinstance(record, dict) or record.get("host") != host or not isinstance(record.get("reason"), str):
            return None
        return str(record["reason"])

    def store_down(self, host: str, reason: str) -> None:
        write_atomically(self._down(host), json.dumps({"host": host, "reason": reason}).encode())

    # --- renders -------------------------------------------------------------------------------

    def _render(self, key: str) -> Path:
        return self.root / "renders" / key[:2] / f"{key}.json"

    def render(self, key: str) -> Any:
        # a renders/ file is JSON, whose strings are fresh copies; the recent set's are shared
        try:
            if key in self._used:  # asked again this run (a second walk, once CRDs are known)
                return self._used[key]
            found = self._recent[key] if key in self._recent else interned(_json(self._render(key)))
        except RecursionError:  # nested deeper than any entry the linter writes: damaged
            return None
        if found is not None and self._recent_path is not None:
            self._used[key] = found
        return found

    def store_render(self, key: str, result: Any) -> None:
        write_atomically(self._render(key), json.dumps(result).encode())
        if self._recent_path is not None:
            self._used[key] = result

    def recall(self, key: str) -> Any:
        """What an earlier run of this repository `remember`ed (None outside `recent`)."""
        found = self._recent.get(key)
        if found is not None:
            self._used[key] = found
        return found

    def remember(self, key: str, value: Any) -> None:
        """Keep `value` for the next run of this repository, in the recent set only."""
        if self._recent_path is not None:
            self._used[key] = value

    @contextlib.contextmanager
    def recent(self, repo_root: Path) -> Iterator[None]:
        """For one run of `repo_root`: renders/ entries are served from the set its last run
        used (one file read instead of thousands), and what this run used (and `remember`ed)
        is kept for the next; rewritten only when it differs. Values are checked by their
        readers as any cache entry is (a damaged file is ignored and rewritten)."""
        self._recent_root = str(repo_root.resolve())
        self._recent_path = self.root / "recent" / f"{sha256(self._recent_root.encode())}.marshal"
        record = read_recent(self._recent_path)
        entries = (
            record.get("entries") if isinstance(record, dict) and record.get("root") == self._recent_root else None
        )
        self._recent, self._used = (entries if isinstance(entries, dict) else {}), {}
        try:
            yield
            self._keep_recent(self._recent_path)  # not after a failed run: it used only part of the set
        finally:
            self._recent_path, self._recent, self._used = None, {}, {}

    def _keep_recent(self, path: Path) -> None:
        """Entries of earlier runs stay while they are few (a `--changed` run uses fewer than a
        full one, and they alternate); once they outgrow this run's, only this run's are kept."""
        kept = {**self._recent, **self._used}
        if len(kept) > RECENT_GROWTH * len(self._used) + 100:
            kept = self._used
        with contextlib.suppress(OSError):
            if kept.keys() != self._recent.keys():
                _write_recent(path, self._recent_root, kept)
                self._forget_old_repositories()
            else:
                os.utime(path)  # recently used: kept by `cache prune`

    def _forget_old_repositories(self) -> None:
        """Only the recent sets of the RECENT_REPOSITORIES repositories linted last are kept (CI
        checks out to a new path each time; each set is as large as its repository's renders)."""
        sets = sorted((p.stat().st_mtime, p) for p in (self.root / "recent").glob("*.marshal"))
        for _, old in sets[:-RECENT_REPOSITORIES]:
            with contextlib.suppress(OSError):
                old.unlink()

    # --- housekeeping ----------------------------------------------------------------------------

    def prune(self, older_than_days: float) -> tuple[int, int]:
        """Remove archives and renders not used for `older_than_days`, and the version records of
        removed archives; (files removed, bytes freed)."""
        cutoff = time.time() - older_than_days * 86400
        removed = freed = 0
        for directory in (self.root / d for d in ("charts", "renders", "recent", "listings", "down", "catalog")):
            for path in sorted(directory.rglob("*")) if directory.exists() else ():
                with contextlib.suppress(OSError):
                    stat = path.stat()
                    if path.is_file() and stat.st_mtime < cutoff:
                        path.unlink()
                        removed, freed = removed + 1, freed + stat.st_size
        refs = self.root / "refs"
        for path in sorted(refs.rglob("*.json")) if refs.exists() else ():
            record = _json(path)
            digest = record.get("digest") if isinstance(record, dict) else None
            if not isinstance(digest, str) or not self._blob(digest).exists():
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed, freed


# The recent set is marshal, not JSON: it keeps strings shared (the parse walk interns keys and
# short scalars, marshal restores them interned; JSON gives each a fresh copy, ~60 MB at 3,000
# charts) and loads several times faster. Each entry is its own frame, written as it is
# encoded (one 34 MB buffer at 3,000 charts pushed a run past the memory budget). marshal
# trusts its input, so the file ends with the sha256 of all before it: a damaged or foreign
# file is ignored. (The cache is the user's own directory, never the repository's.)
_RECENT_MAGIC = b"m0sh1-lint recent 2\n"
_LENGTH = 8  # bytes of each frame's length
_DIGEST = 64  # hex digits of the trailing sha256


def write_atomically(path: Path, data: bytes) -> None:
    _write_chunks(path, [data])


def _write_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    """Written to a temporary name and renamed into place, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write_recent(path: Path, root: str, entries: dict[str, Any]) -> None:
    _write_chunks(path, _with_digest(_frames(root, entries)))


def _with_digest(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks, then the sha256 of them all (in hex)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    yield digest.hexdigest().encode()


def _frames(root: str, entries: dict[str, Any]) -> Iterator[bytes]:
    yield _RECENT_MAGIC
    yield _frame(marshal.dumps(root, 4))
    for key, value in entries.items():
        yield _frame(marshal.dumps((key, value), 4))


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(_LENGTH, "big") + data


def read_recent(path: Path) -> dict[str, Any] | None:
    """A recent set's record ({root, entries}), or None when it is missing, damaged or foreign."""
    try:
        data = memoryview(path.read_bytes())
    except OSError:
        return None
    body, trailer = data[:-_DIGEST], bytes(data[-_DIGEST:])
    if bytes(body[: len(_RECENT_MAGIC)]) != _RECENT_MAGIC or hashlib.sha256(body).hexdigest().encode() != trailer:
        return None
    items: list[Any] = []
    at = len(_RECENT_MAGIC)
    try:
        while at < len(body):
            size = int.from_bytes(body[at : at + _LENGTH], "big")
            items.append(marshal.loads(body[at + _LENGTH : at + _LENGTH + size]))
            at += _LENGTH + size
    except (ValueError, EOFError, TypeError):
        return None
    root, *pairs = items or [None]
    if not isinstance(root, str) or not all(isinstance(pair, tuple) and len(pair) == 2 for pair in pairs):
        return None
    return {"root": root, "entries": dict(pairs)}


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # a damaged entry is a miss
        return None


def _recent_json(path: Path, max_age_s: float) -> Any:
    """The JSON in `path` if it was written less than `max_age_s` ago, else None."""
    try:
        if time.time() - path.stat().st_mtime > max_age_s:
            return None
    except OSError:
        return None
    return _json(path)


def _is_digest(value: Any) -> bool:
    """A sha256 in hex: the only thing a version record may name as its archive."""
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
