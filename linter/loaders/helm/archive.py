"""What Helm gets: a .tgz built from vetted files; and template sources read back from archives.

Helm's own directory loader follows symbolic links anywhere on disk, so a chart reaches Helm as
an in-memory archive of files RepoFiles has vetted (links inside the repo only, .helmignore
applied). A vendored subchart (`charts/<name>-<version>.tgz`) is opened once per run to index its
template sources, which provenance and the line mapping need.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...core.globs import helmignored
from ...model import LineRefs, Template
from ..files import RepoFiles, posix_join
from .templates import scan

MAX_TEMPLATE_BYTES = 1_000_000


def build_archive(files: RepoFiles, chart_dir: str) -> bytes:
    """A .tgz of the chart's files that Helm may see: .helmignore applied, no outside links."""
    ignore = helmignore_patterns(files, chart_dir)
    top = chart_dir.rsplit("/", 1)[-1] or "chart"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for rel in files.under(chart_dir):
            inner = rel[len(chart_dir) + 1 :]
            if helmignored(inner, ignore):
                continue
            data = files.read_bytes(rel)
            if data is None:
                continue
            info = tarfile.TarInfo(f"{top}/{inner}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


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

    Archive keys are the part of a member's name from `/templates/` on (`/templates/x.yaml`),
    which is how Helm's rendered keys (`parent/charts/<alias>/templates/x.yaml`) name them.
    """

    files: RepoFiles
    _index: dict[str, dict[str, str]] = field(default_factory=dict)
    _scans: dict[str, Mapping[int, LineRefs]] = field(default_factory=dict)
    _archives: dict[str, bytes] = field(default_factory=dict)

    def archive(self, chart_dir: str) -> bytes:
        """The chart's archive (built once per run, whatever the number of releases)."""
        if chart_dir not in self._archives:
            self._archives[chart_dir] = build_archive(self.files, chart_dir)
        return self._archives[chart_dir]

    def template(self, path: str, source: str) -> Template:
        """A template with the `.Values` paths each of its lines reads."""
        if source not in self._scans:
            self._scans[source] = scan(source) if source else {}
        return Template(path, source, self._scans[source])

    def source(self, archive: str, key: str) -> str:
        """The source of the template Helm rendered as `key` from `archive` ("" if unreadable)."""
        if archive not in self._index:
            self._index[archive] = self._read(archive)
        return self._index[archive].get("/templates/" + key.split("/templates/", 1)[-1], "")

    def _read(self, archive: str) -> dict[str, str]:
        raw = self.files.read_bytes(archive)
        if raw is None:
            return {}
        found: dict[str, str] = {}
        try:
            with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
                for member in tar.getmembers():
                    if (
                        not member.isfile()
                        or member.size >= MAX_TEMPLATE_BYTES
                        or member.name.count("/templates/") != 1
                    ):
                        continue
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        key = "/templates/" + member.name.split("/templates/", 1)[1]
                        found.setdefault(key, extracted.read().decode("utf-8", "replace"))
        except (tarfile.TarError, OSError, EOFError):
            return {}
        return found
