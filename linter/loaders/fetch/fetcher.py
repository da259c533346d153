"""Fetch charts the way `helm dependency build` and Argo CD's repo-server do, safely:

- a version constraint resolves to the highest matching version (core/semver.py), against the
  repository's index (HTTP) or tags (OCI), fetched once per repository per run;
- an archive already in the cache is never downloaded again; with `offline`, only the cache is
  used (a range resolves against the versions the cache holds);
- every network call runs in a Helm worker process with a deadline (Helm's own calls have none),
  several at once;
- an HTTP archive is checked against the digest its index publishes, credentials are sent only
  to the repository's own host, and a repository that cannot be reached is tried once per run,
  so a machine without network is not slowed down.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import Queue
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from ...core.semver import coerce, parse, parse_constraint
from ...model import Mirror
from ..helm.worker import Worker, WorkerError, decode
from .cache import ChartCache, sha256
from .credentials import Credentials
from .sources import ChartSource, mirrored

INDEX_DEADLINE_S = 20.0
# How long a repository's index (or a registry's tag list) is reused from the cache: a warm run
# then resolves `^1.2.0` without the network, and a release newer than this is seen within the
# hour. `charts pull` always asks again.
LISTING_TTL_S = 3600.0
# How long a host found unreachable stays so for later runs: a machine without network then pays
# nothing for it on every commit; `charts pull` always tries again.
DOWN_TTL_S = 300.0
PULL_DEADLINE_S = 60.0
MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
WORKERS = 4


@dataclass(frozen=True)
class Fetched:
    source: ChartSource
    version: str
    archive: bytes = field(repr=False)
    digest: str  # sha256 of the archive


@dataclass(frozen=True)
class Unavailable:
    """A chart that cannot be had, and why (in words fit for a finding)."""

    source: ChartSource
    wanted: str
    reason: str


Result = Fetched | Unavailable
Progress = Callable[[str, ChartSource], None]  # ("start" | "done", source)


class _Failure(Exception):
    def __init__(self, reason: str, repository_down: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.repository_down = reason, repository_down


@dataclass
class Fetcher:
    cache: ChartCache
    credentials: Credentials
    offline: bool = False
    workers: int = WORKERS
    progress: Progress | None = None
    listing_ttl_s: float = LISTING_TTL_S
    down_ttl_s: float = DOWN_TTL_S
    credentials_without_tls: bool = False  # send credentials to plainHttp/insecure sources
    mirrors: tuple[Mirror, ...] = ()  # for archives an index lists at absolute URLs
    repository_names: dict[str, str] = field(default_factory=dict)  # Helm's, for `@name` dependencies
    _results: dict[tuple[str, str], Result] = field(default_factory=dict)
    _listings: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    _down: dict[str, str] = field(default_factory=dict)  # repository → why it could not be reached
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: Queue[Worker] = field(default_factory=Queue)
    _started: int = 0

    # --- public ------------------------------------------------------------------------------

    def fetch(self, source: ChartSource, wanted: str | None) -> Result:
        """The chart archive for `wanted` (a version or a constraint; None: the newest release)."""
        key = (source.key, wanted or "")
        with self._lock:
            if key in self._results:
                return self._results[key]
        result = self._fetch(source, wanted or "")
        with self._lock:
            self._results.setdefault(key, result)
            return self._results[key]

    def fetch_all(self, requests: Iterable[tuple[ChartSource, str | None]]) -> None:
        """Fetch many at once (the results are then served from memory by `fetch`)."""
        by_host: dict[str, list[tuple[ChartSource, str | None]]] = {}
        for source, wanted in dict.fromkeys((source, wanted) for source, wanted in requests):
            by_host.setdefault(source.host, []).append((source, wanted))

        def fetch_host(items: list[tuple[ChartSource, str | None]]) -> None:
            for source, wanted in items:  # one host at a time: once it is down, the rest ask nothing
                self.fetch(source, wanted)

        if len(by_host) <= 1:
            for items in by_host.values():
                fetch_host(items)
            return
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(by_host)))) as pool:
            list(pool.map(fetch_host, by_host.values()))

    def results(self) -> list[tuple[ChartSource, str, Result]]:
        """Every chart asked for this run, with what came of it, in a stable order."""
        with self._lock:
            items = sorted(self._results.items(), key=lambda item: item[0])
        return [(result.source, wanted, result) for (_, wanted), result in items]

    def fetched(self) -> list[Fetched]:
        """Every archive this run has (from the network or the cache)."""
        with self._lock:
            return [r for r in self._results.values() if isinstance(r, Fetched)]

    def close(self) -> None:
        while not self._pool.empty():
            self._pool.get().close()

    # --- resolution ------------------------------------------------------------------------------

    def _fetch(self, source: ChartSource, wanted: str) -> Result:
        try:
            version = self._resolve(source, wanted)
            cached = self.cache.version(source.key, version)
            archive = self.cache.archive(cached.digest) if cached is not None else None
            if cached is not None and archive is not None:
                return Fetched(source, version, archive, cached.digest)
            if self.offline:
                state = "is corrupted in the cache" if cached is not None else "is not in the cache"
                raise _Failure(f"version {version} {state}, and --offline forbids fetching it")
            return self._download(source, version)
        except _Failure as failure:
            return Unavailable(source, wanted or "latest", failure.reason)

    def _resolve(self, source: ChartSource, wanted: str) -> str:
        """The version to fetch, picked as Helm picks it. From an index: the entry listed exactly
        as asked for, else the highest the constraint allows (`1.2.3` finds `v1.2.3`, as
        cert-manager publishes them). From a registry: a version Helm parses (`v1.2.3`, `1.2`) is
        the tag itself, anything else a constraint over the tags. A version the cache holds
        needs no index."""
        if wanted and self.cache.version(source.key, wanted) is not None:
            return wanted
        if source.kind == "oci" and wanted and coerce(wanted) is not None:
            return wanted
        constraint = parse_constraint(wanted or "*")
        if constraint is None:
            raise _Failure(f"`{wanted}` is not a version or a version constraint Helm accepts")
        cached = constraint.best(self.cache.versions(source.key))
        pinned = bool(wanted) and parse(wanted) is not None  # one version only: the cache has it
        if cached is not None and (pinned or self.offline):
            return cached  # a pinned version the cache has; offline, what the cache has is all there is
        if self.offline:
            if pinned:
                return wanted  # not cached: _fetch says so
            raise _Failure(f"no version matching `{wanted or '*'}` is in the cache, and --offline forbids fetching")
        try:
            listed = [version for version, _ in self._listing(source)]
        except _Failure:
            if cached is not None:
                return cached  # the repository is unreachable: what the cache has is what we can check
            raise
        best = wanted if wanted in listed else constraint.best(listed)
        if best is None:
            raise _Failure(f"no version of `{source.name}` matches `{wanted or '*'}` in {source.repo}")
        return best

    def _listing(self, source: ChartSource) -> list[tuple[str, dict[str, Any]]]:
        """(version, index entry) pairs the repository offers, fetched once per run."""
        with self._lock:
            if source.key in self._listings:
                return self._listings[source.key]
        recent = self.cache.listing(source.key, self.listing_ttl_s)
        if recent is not None:
            with self._lock:
                self._listings[source.key] = recent
            return recent
        self._check_up(source)
        if source.kind == "oci":
            answer = self._call(
                source, {"op": "oci_tags", "ref": source.reference, **self._oci(source)}, INDEX_DEADLINE_S
            )
            listing: list[tuple[str, dict[str, Any]]] = [(str(tag), {}) for tag in answer.get("tags") or ()]
        else:
            request = {"op": "repo_index", "url": source.repo, "insecure": source.insecure, **self._login(source)}
            answer = self._call(source, request, INDEX_DEADLINE_S)
            entries = ((answer.get("index") or {}).get("entries") or {}).get(source.name) or []
            listing = [(str(e.get("version")), e) for e in entries if isinstance(e, dict) and e.get("version")]
            if not listing:
                raise _Failure(f"{source.repo} has no chart named `{source.name}`")
        self.cache.store_listing(source.key, listing)
        with self._lock:
            self._listings[source.key] = listing
        return listing

    # --- downloading ------------------------------------------------------------------------------

    def _download(self, source: ChartSource, version: str) -> Fetched:
        self._check_up(source)
        if self.progress:
            self.progress("start", source)
        try:
            vouched = True  # may the cache keep it under `source.key`, next to archives fetched as that says
            if source.kind == "oci":
                request = {"op": "pull", "ref": source.reference, "version": version, **self._oci(source)}
                upstream = None
            else:
                entry = dict(self._listing(source)).get(version)
                if entry is None:
                    raise _Failure(f"version {version} of `{source.name}` is not in {source.repo}")
                url, insecure = self._archive_url(source, entry)
                upstream = entry.get("digest")
                vouched = not insecure or source.insecure or bool(upstream)  # the index's digest checks it
                request = {"op": "pull", "ref": url, "insecure": insecure, **self._archive_login(source, url, insecure)}
            answer = self._call(source, request, PULL_DEADLINE_S)
        finally:
            if self.progress:
                self.progress("done", source)
        data = decode(str(answer.get("archive") or ""))
        if len(data) > MAX_ARCHIVE_BYTES:
            raise _Failure(f"the archive is {len(data)} bytes, more than the {MAX_ARCHIVE_BYTES}-byte limit")
        digest = sha256(data)
        if isinstance(upstream, str) and upstream and upstream.removeprefix("sha256:") != digest:
            raise _Failure(f"the archive of version {version} does not match the digest its repository publishes")
        if vouched:
            self.cache.store(source.key, source.name, version, data, upstream if isinstance(upstream, str) else None)
        return Fetched(source, version, data, digest)

    def _archive_url(self, source: ChartSource, entry: dict[str, Any]) -> tuple[str, bool]:
        """Where the index says the archive is, and whether to skip TLS checks there. A relative
        URL is under the (already mirrored) repository; an absolute one (many indexes point at
        GitHub releases) goes through the mirrors like any upstream location."""
        urls = entry.get("urls") or []
        if not urls or not isinstance(urls[0], str):
            raise _Failure(f"the index of {source.repo} lists no archive for `{source.name}`")
        if "://" not in urls[0]:
            return urljoin(source.repo.rstrip("/") + "/", urls[0]), source.insecure
        url, mirror = mirrored(urls[0], self.mirrors)
        return url, mirror.insecure_skip_tls_verify if mirror else source.insecure

    # --- the worker, credentials, failures -----------------------------------------------------

    def _login(self, source: ChartSource) -> dict[str, Any]:
        if (source.plain_http or source.insecure) and not self.credentials_without_tls:
            return {}
        credential = self.credentials.for_source(source)
        return {"username": credential.username, "password": credential.password} if credential else {}

    def _archive_login(self, source: ChartSource, url: str, insecure: bool) -> dict[str, Any]:
        """The repository's credentials for an archive the index lists, only where they were meant
        for: the same scheme and host, and TLS that is checked (an index may point anywhere, and a
        mirror may make that host's TLS unchecked)."""
        here, there = urlsplit(url), urlsplit(source.repo)
        if (here.scheme, here.netloc) != (there.scheme, there.netloc):
            return {}
        if insecure and not self.credentials_without_tls:
            return {}
        return self._login(source)

    def _oci(self, source: ChartSource) -> dict[str, Any]:
        return {"host": source.host, "plainHttp": source.plain_http, "insecure": source.insecure, **self._login(source)}

    def _check_up(self, source: ChartSource) -> None:
        with self._lock:
            down = self._down.get(source.host)
        if down is None and self.down_ttl_s > 0:
            down = self.cache.down(source.host, self.down_ttl_s)
            if down is not None:
                with self._lock:
                    self._down.setdefault(source.host, down)
        if down is not None:
            raise _Failure(down, repository_down=True)

    def _call(self, source: ChartSource, request: dict[str, Any], deadline_s: float) -> dict[str, Any]:
        worker = self._worker()
        try:
            answer = worker.call(request, deadline_s)
        except WorkerError as exc:
            reason = f"{source.host} did not answer in time ({exc.reason})"
            self._mark_down(source, reason, remember=True)
            raise _Failure(reason, repository_down=True) from None
        finally:
            self._pool.put(worker)
        if not answer.get("ok"):
            reason, why = _explain(source, str(answer.get("error") or "unknown error"))
            if why in ("network", "auth"):  # the whole host: ask it nothing more this run
                self._mark_down(source, reason, remember=why == "network")
            raise _Failure(reason, repository_down=why in ("network", "auth"))
        return answer

    def _mark_down(self, source: ChartSource, reason: str, remember: bool) -> None:
        """`remember`: for later runs too (unreachable, not refused: new credentials must work at once)."""
        with self._lock:
            self._down.setdefault(source.host, reason)
        if remember:
            self.cache.store_down(source.host, reason)

    def _worker(self) -> Worker:
        with self._lock:
            if self._pool.empty() and self._started < self.workers:
                self._started += 1
                return Worker()
        return self._pool.get()


_NETWORK = (
    "connection refused",
    "no such host",
    "i/o timeout",
    "network is unreachable",
    "context deadline",
    "dial tcp",
    "tls:",
    "x509",
    "server gave http response",
)
_AUTH = ("unauthorized", "forbidden", "authentication required", "basic credential not found")
_AUTH_STATUS = re.compile(r"(?<![0-9a-f])40[13](?![0-9a-f])")  # a status code, not part of a digest


def _explain(source: ChartSource, error: str) -> tuple[str, Literal["auth", "network", "missing", "other"]]:
    """A reason fit for a finding (credentials never appear in Helm's messages), and what kind of
    failure it is. Auth and network failures concern the whole host, and every chart asked of it
    is told the same words (in this run and, from the cache, the next ones): Helm's message from
    the network error on (`dial tcp …`), not the URL of the chart that happened to be asked first."""
    text = " ".join(error.split())
    lower = text.lower()
    if any(marker in lower for marker in _AUTH) or _AUTH_STATUS.search(lower):
        return f"{source.host} refused access (credentials missing or wrong)", "auth"
    if any(marker in lower for marker in _NETWORK):
        start = min(lower.find(marker) for marker in _NETWORK if marker in lower)
        return f"cannot reach {source.host}: {text[start:][:200]}", "network"
    if "not found" in lower or "404" in lower:
        return f"not found in {source.repo}: {text[:200]}", "missing"
    return f"Helm could not fetch it: {text[:200]}", "other"
