"""What Helm gets: a .tgz built from vetted files; and template sources read back from archives.

Helm's own directory loader follows symbolic links anywhere on disk, so a chart reaches Helm as
an in-memory archive of files RepoFiles has vetted (links inside the repo only, .helmignore
applied). A vendored subchart (`charts/<name>-<version>.tgz`) is opened once per run to index its
template sources, which provenance and the line mapping need.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ... import __version__
from ...core.globs import helmignored
from ...core.kept import kept
from ...model import LineRefs, Template
from ..files import RepoFiles, posix_join
from ..yaml import decode
from .sanitize import MAX_MEMBER_BYTES, ArchiveBomb, Budget, sanitize_archive, sanitize_schema_text
from .templates import refs_as_json, refs_from_json, scan

MAX_TEMPLATE_BYTES = 1_000_000


def chart_files(files: RepoFiles, chart_dir: str) -> list[tuple[str, str]]:
    """(path inside the chart, repo path) of every file Helm may see: .helmignore applied."""
    ignore = helmignore_patterns(files, chart_dir)
    out = []
    for rel in files.under(chart_dir):
        inner = rel[len(chart_dir) + 1 :] if chart_dir else rel
        if not helmignored(inner, ignore):
            out.append((inner, rel))
    return out


TEXT_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")


def _text_file(inner: str) -> bool:
    return inner.startswith("templates/") or inner.endswith(TEXT_SUFFIXES)


def _packable(inner: str, data: bytes) -> bool:
    """A text file Helm reads (templates, values, Chart.yaml) that is not UTF-8 text is left out:
    the linter reports it (LD003), and its bytes would otherwise reach Helm's messages."""
    return not _text_file(inner) or decode(data) is not None


def content_digest(files: RepoFiles, chart_dir: str, extra: Mapping[str, bytes] | None = None) -> str:
    """What the chart's archive holds, as a sha256 over names and contents, without building it
    (the render cache's key: an unchanged chart is never packed or rendered again)."""
    digest = hashlib.sha256()
    for inner, rel in chart_files(files, chart_dir):
        found = files.fingerprint(rel)
        if found is not None and (found[1] or not _text_file(inner)):  # what _packable keeps
            digest.update(f"{inner}\0{found[0]}\0".encode())
    digest.update(_members_digest(extra or {}).encode())
    return digest.hexdigest()


def _members_digest(extra: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for inner, data in sorted(extra.items()):
        digest.update(f"{inner}\0{hashlib.sha256(data).hexdigest()}\0".encode())
    return digest.hexdigest()


def build_archive(files: RepoFiles, chart_dir: str, extra: Mapping[str, bytes] | None = None) -> bytes:
    """A .tgz of the chart's files that Helm may see: .helmignore applied, no outside links,
    schemas without external references (sanitize.py); `extra` adds members (fetched
    dependencies as `charts/<name>-<version>.tgz`)."""
    top = chart_dir.rsplit("/", 1)[-1] or "chart"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for inner, rel in chart_files(files, chart_dir):
            data = files.read_bytes(rel)
            if data is None or not _packable(inner, data):
                continue
            if inner.endswith("values.schema.json"):
                data = sanitize_schema_text(data)
            elif inner.startswith("charts/") and inner.endswith(".tgz"):
                data = sanitize_archive(data)
            _add(tar, f"{top}/{inner}", data)
        for inner, data in sorted((extra or {}).items()):
            _add(tar, f"{top}/{inner}", data)
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def helmignore_patterns(files: RepoFiles, chart_dir: str) -> list[str]:
    path = posix_join(chart_dir, ".helmignore")
    text = files.read_text(path) if files.exists(path) else None
    patterns = [".helmignore"]
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    return patterns


@dataclass
class TemplateSources:
    """Template sources for one run: each vendored archive is indexed once, and each distinct
    source text is scanned once (wrapper charts often share templates).

    An archive's templates are known by their path inside its chart: `templates/x.yaml`, and
    `charts/<sub>/templates/x.yaml` for a subchart in it, unpacked or as a nested .tgz (published
    charts carry their dependencies that way), which is how Helm's rendered keys name them.
    """

    files: RepoFiles
    _index: dict[str, dict[str, str]] = field(default_factory=dict)
    _scans: dict[str, Mapping[int, LineRefs]] = field(default_factory=dict)
    _archives: dict[tuple[str, str], bytes] = field(default_factory=dict)
    _registered: dict[str, bytes] = field(default_factory=dict)  # archives that are not repo files

    def archive(self, chart_dir: str, extra: Mapping[str, bytes] | None = None) -> bytes:
        """The chart's archive with `extra` members (built once per run, whatever the number of
        releases). Keyed by the members too: a chart reached through `file://` is packed without
        the dependencies it gets where it is rendered itself."""
        key = (chart_dir, _members_digest(extra or {}))
        if key not in self._archives:
            self._archives[key] = build_archive(self.files, chart_dir, extra)
        return self._archives[key]

    def register(self, key: str, data: bytes) -> None:
        """An archive that is no repo file (a fetched chart): its templates are read from `data`."""
        self._registered.setdefault(key, data)

    def template(self, path: str, source: str) -> Template:
        """A template with the `.Values` paths each of its lines reads."""
        if source not in self._scans:
            self._scans[source] = self._scanned(source) if source else {}
        return Template(path, source, self._scans[source])

    def _scanned(self, source: str) -> Mapping[int, LineRefs]:
        """scan(source), kept in the chart cache (by the text's digest and the linter's version)."""
        key = f"scan-{__version__}-{hashlib.sha256(source.encode()).hexdigest()}"
        return kept(self.files.parse_store, key, lambda: scan(source), refs_as_json, refs_from_json)

    def source(self, archive: str, inner: str) -> str:
        """The source of the template at `inner` (its path inside the archive's chart) in
        `archive` ("" if unreadable)."""
        if archive not in self._index:
            raw = self._registered.get(archive) if archive in self._registered else self.files.read_bytes(archive)
            try:  # keyed without the top directory (the chart's name)
                self._index[archive] = {
                    name.split("/", 1)[1]: text for name, text in _templates(raw or b"", Budget(), 0)
                }
            except ArchiveBomb:
                self._index[archive] = {}
        return self._index[archive].get(inner, "")


def _templates(data: bytes, budget: Budget, depth: int) -> Iterator[tuple[str, str]]:
    """(member name, text) of each template in a chart archive (`<chart>/templates/x.yaml`), the
    templates of the subcharts it carries as `<chart>/charts/*.tgz` included, named as if
    unpacked there; nothing from an archive Python cannot read."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            listed = tar.getmembers()
            budget.open(listed, depth)
            read = {m.name: _member(tar, m) for m in listed if m.isfile() and _indexed(m.name)}
    except (tarfile.TarError, OSError, EOFError):
        return
    for name, content in sorted(read.items()):
        if content is None:
            continue
        if name.endswith(".tgz"):
            parent = name.rsplit("/", 1)[0]  # <chart>/charts
            for nested, text in _templates(content, budget, depth + 1):
                yield f"{parent}/{nested}", text
        else:
            yield name, content.decode("utf-8", "replace")


def _indexed(name: str) -> bool:
    """A template of the chart or of a subchart, or a subchart archive right under its charts/."""
    parts = name.split("/")
    return "templates" in parts[1:-1] or (len(parts) == 3 and parts[1] == "charts" and name.endswith(".tgz"))


def _member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes | None:
    limit = MAX_MEMBER_BYTES if member.name.endswith(".tgz") else MAX_TEMPLATE_BYTES
    if member.size >= limit:
        return None
    extracted = tar.extractfile(member)
    return extracted.read() if extracted is not None else None
