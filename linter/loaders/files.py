"""The only code that reads the repository's files.

It walks the tree once without following symbolic links, refuses links that leave the repo,
bounds file sizes, decodes text and caches parsed YAML, so no file is parsed twice. The text of a
parsed YAML file is not kept: when a finding needs positions in it, the file is read again
(loaders/yaml.py TextPositions). Inline suppressions are collected as each file is first read.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..core.reading import NotReadable, read_regular, resolved_inside
from ..model import Location, Problem, Suppression, YamlDoc
from .suppressions import scan_text
from .yaml import ParseStore, decode, parse_cached

MAX_FILE_BYTES = 4 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
OUTSIDE_LINK = "it is a symbolic link that points outside the repository, so it was not followed"
BROKEN_LINK = "it is a symbolic link that leads to no file (it dangles or loops), so it was not followed"
NOT_REGULAR = "it is not a regular file, so it was not read"


def find_root(start: Path, markers: tuple[str, ...] = (".git", ".m0sh1-lint.yaml", ".m0sh1-lint.yml")) -> Path:
    """The nearest directory above `start` holding `.git` or a config file, else `start` itself.

    A config file marks a GitOps tree nested in another repository (examples/homelab here).
    """
    start = start.resolve()
    base = start if start.is_dir() else start.parent
    for candidate in (base, *base.parents):
        if any((candidate / marker).exists() for marker in markers):
            return candidate
    return base


@dataclass
class RepoFiles:
    """A read-only view of the files under `root`, with parse caches."""

    root: Path
    exclude: tuple[str, ...] = (".*", "node_modules", "venv", "__pycache__")
    # repo-relative path → text that stands in for the file (the edits `--fix` plans, seen by
    # the next round before anything is written)
    overlay: Mapping[str, str] = field(default_factory=dict)
    parse_store: ParseStore | None = None  # parsed files kept between runs (the chart cache)
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _file_set: set[str] = field(default_factory=set)
    _below: dict[str, list[str]] = field(default_factory=dict)
    _links: dict[str, str] = field(default_factory=dict)
    suppressions: list[Suppression] = field(default_factory=list)  # inline `m0sh1-lint: disable=...`
    # File → who read it for use: an Application's graph key, or "" for the repo itself (config,
    # charts, nodes). A file's problems count when one of its readers is synced. Most files have
    # one reader: kept as a string, a set only from the second.
    readers: dict[str, str | set[str]] = field(default_factory=dict)
    _reader: str = ""
    # Files only looked at that fail to parse yet mention argoproj.io: they may hide an Application.
    may_hide_apps: set[str] = field(default_factory=set)
    _text: dict[str, str | None] = field(default_factory=dict)
    _scanned: set[str] = field(default_factory=set)
    _yaml: dict[tuple[str, bool], list[YamlDoc]] = field(default_factory=dict)
    _fingerprints: dict[str, tuple[str, bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self._scan()

    def _excluded(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.exclude)

    def _scan(self) -> None:
        found: list[str] = []
        pending = [""]  # repo-relative directories still to list; links to directories are not followed
        while pending:
            rel_dir = pending.pop()
            try:
                entries = list(os.scandir(self.root / rel_dir if rel_dir else self.root))
            except OSError:
                continue
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                if entry.is_dir(follow_symlinks=False):
                    if not self._excluded(entry.name):
                        pending.append(rel)
                elif entry.is_symlink():
                    if _is_dir(entry):
                        continue
                    target = self._link_target(Path(entry.path))
                    if target in (OUTSIDE_LINK, BROKEN_LINK, NOT_REGULAR):
                        self._problem(rel, target)
                        continue
                    self._links[rel] = target
                    found.append(rel)
                elif entry.is_file(follow_symlinks=False):
                    found.append(rel)
                elif rel.endswith(YAML_SUFFIXES):  # a named pipe, socket or device: reading it could block forever
                    self._problem(rel, NOT_REGULAR)
        self.files = sorted(found)
        self._file_set = set(found)
        for rel in self.files:  # every directory → the files below it, so lookups stay linear
            parts = rel.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                self._below.setdefault("/".join(parts[:depth]), []).append(rel)

    def _link_target(self, link: Path) -> str:
        """The repo-relative file a link leads to, or why it is not followed (OUTSIDE_LINK,
        BROKEN_LINK, NOT_REGULAR)."""
        try:
            target = link.resolve(strict=True)
        except (OSError, RuntimeError):  # dangling (OSError) or a loop (RuntimeError before 3.13)
            return BROKEN_LINK
        if not target.is_relative_to(self.root):
            return OUTSIDE_LINK
        return target.relative_to(self.root).as_posix() if target.is_file() else NOT_REGULAR

    # --- queries -------------------------------------------------------------------------

    def exists(self, rel: str) -> bool:
        return rel in self._file_set

    def is_dir(self, rel: str) -> bool:
        return rel in ("", ".") or rel.rstrip("/") in self._below

    def under(self, rel_dir: str) -> list[str]:
        """Files below a directory (recursively), sorted."""
        if rel_dir in ("", "."):
            return list(self.files)
        return list(self._below.get(rel_dir.rstrip("/"), ()))

    def read_bytes(self, rel: str) -> bytes | None:
        """Raw bytes, or None (with an LD003 problem recorded) when unreadable or too large.

        Only files the walk vetted are read: a path built from repo data (a kustomize `envs:`
        entry through a linked directory) never reaches outside the repository."""
        if rel not in self._file_set:
            self._problem(rel or ".", "it is not a regular file inside the repository")
            return None
        if rel in self.overlay:
            return self.overlay[rel].encode("utf-8")
        try:
            return read_regular(self.root / self._links.get(rel, rel), MAX_FILE_BYTES)
        except NotReadable as exc:
            self._problem(rel, str(exc))
            return None

    @contextmanager
    def reading_for(self, reader: str) -> Iterator[None]:
        """Attribute the reads inside the block to `reader` (an Application's graph key)."""
        previous, self._reader = self._reader, reader
        try:
            yield
        finally:
            self._reader = previous

    def _use(self, rel: str) -> None:
        current = self.readers.get(rel)
        if current is None:
            self.readers[rel] = self._reader
        elif isinstance(current, str):
            if current != self._reader:
                self.readers[rel] = {current, self._reader}
        else:
            current.add(self._reader)

    def read_text(self, rel: str, used: bool = True) -> str | None:
        if used:
            self._use(rel)
        if rel not in self._text:
            raw = self.read_bytes(rel)
            text = None if raw is None else decode(raw)
            if raw is not None:
                self._fingerprints.setdefault(rel, (hashlib.sha256(raw).hexdigest(), text is not None))
            if raw is not None and text is None:
                self._problem(rel, "it is not UTF-8 text (or holds NUL bytes)")
            if text is not None and rel not in self._scanned:
                self._scanned.add(rel)
                self.suppressions.extend(scan_text(rel, text))
            self._text[rel] = text
        return self._text[rel]

    def fingerprint(self, rel: str) -> tuple[str, bool] | None:
        """The sha256 of a file's bytes and whether they decode as text (what the render
        cache's key is made of), kept from its first read: a chart's files are read before
        it is packed, and are not read again for that. None when it cannot be read."""
        if rel not in self._fingerprints:
            raw = self.read_bytes(rel)
            if raw is None:
                return None
            self._fingerprints[rel] = (hashlib.sha256(raw).hexdigest(), decode(raw) is not None)
        return self._fingerprints[rel]

    def yaml(self, rel: str, used: bool = True, kustomize: bool = False) -> list[YamlDoc]:
        """Parsed documents of a YAML file (cached); problems go to `self.problems`.

        `used=False` reads it only to look (for Applications, by content): its problems are
        reported only once something uses the file. `kustomize`: read as kustomize reads its
        inputs (go-yaml v3: `on`, `yes` are strings)."""
        if used:
            self._use(rel)
        key = (rel, kustomize)
        if key not in self._yaml:
            text = self.read_text(rel, used)
            docs: list[YamlDoc] = []
            if text is not None:
                reread = lambda: self._reread(rel)  # noqa: E731
                docs, problems = parse_cached(text, rel, self.parse_store, reread, old_bools=not kustomize)
                if (rel, not kustomize) not in self._yaml:  # the same syntax errors: report them once
                    self.problems.extend(problems)
                if problems and "argoproj.io" in text:
                    self.may_hide_apps.add(rel)
                del self._text[rel]  # the documents hold the data; positions re-read the file
            self._yaml[key] = docs
        return self._yaml[key]

    def _reread(self, rel: str) -> str:
        """The text of a file already read once (for positions): no problems recorded again."""
        if rel in self.overlay:
            return self.overlay[rel]
        try:
            return decode(read_regular(self.root / self._links.get(rel, rel), MAX_FILE_BYTES)) or ""
        except NotReadable:
            return ""

    def used_problems(self, synced: set[str]) -> list[Problem]:
        """Problems of the files the repo itself or a `synced` Application reads, or that may hide
        an Application; a YAML file only looked at (an Ansible role, a docs snippet) or read only
        by an Application Argo CD does not sync does not count."""
        synced = synced | {""}

        def counted(rel: str) -> bool:
            if rel in self.may_hide_apps or not self.exists(rel):
                return True
            readers = self.readers.get(rel)
            return readers in synced if isinstance(readers, str) else bool(readers and not readers.isdisjoint(synced))

        return [p for p in self.problems if counted(p.location.path)]

    def _problem(self, rel: str, reason: str) -> None:
        self.problems.append(Problem("LD003", Location(rel), {"reason": reason}))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def is_yaml(rel: str) -> bool:
    return rel.endswith(YAML_SUFFIXES)


def posix_join(*parts: str) -> str:
    """Join and normalise repo-relative parts; '..' that would leave the repo yields ''."""
    return inside_repo(*parts) or ""


def inside_repo(*parts: str) -> str | None:
    """Join and normalise repo-relative parts: "" is the repository root, None a path that
    leaves the repository (`../..`), so the two never get confused."""
    out: list[str] = []
    for part in parts:
        if part.startswith("/"):  # an absolute part starts again from the root, as in a join
            out = []
        for piece in part.split("/"):
            if piece in ("", "."):
                continue
            if piece == "..":
                if not out:
                    return None
                out.pop()
            else:
                out.append(piece)
    return "/".join(out)


def source_texts(root: Path, rels: Iterable[str]) -> dict[str, str]:
    """The UTF-8 text of each repo-relative file that is a regular file inside the repository
    (links resolved), for showing the lines findings point at; others are left out."""
    texts: dict[str, str] = {}
    for rel in sorted(set(rels)):
        path = resolved_inside(root / rel, root)
        if path is None or path == root.resolve():
            continue
        try:
            texts[rel] = read_regular(path, MAX_FILE_BYTES).decode("utf-8")
        except (NotReadable, UnicodeDecodeError):
            continue
    return texts
