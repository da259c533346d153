"""Which Application a finding is about, for reports that group findings (the job summary).

From the application graph: the Application that deploys the finding's object, else the one
whose manifest, values file, chart or directory holds the finding's file. A file no
Application reads falls back to its chart, else its folder; a finding about the whole
repository (config, git) to "the repository"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from posixpath import dirname

from ..model import Application, Finding, RepoModel


@dataclass(frozen=True, order=True)
class Group:
    rank: int  # Applications first, then charts, folders, the repository
    name: str
    file: str | None = None  # the Application's manifest

    @property
    def title(self) -> str:
        kind = ("Application", "Chart", "Folder", "Repository")[self.rank]
        return kind if self.rank == 3 else f"{kind} {self.name}"


def grouper(model: RepoModel) -> Callable[[Finding], Group]:
    """A function from a finding to its group, with the model's indexes built once."""
    apps = {app.key: app for app in model.applications}
    by_resource: dict[object, Application] = {}
    for resource in model.resources:
        if resource.app in apps:
            by_resource.setdefault(resource.id, apps[resource.app])
    by_file: dict[str, list[Application]] = {}
    readers: dict[str, list[Application]] = {}  # values files, chart and directory paths → readers
    for app in sorted(model.applications, key=lambda a: (a.file, a.doc.location().line)):
        by_file.setdefault(app.file, []).append(app)
        for source in app.helm:
            for path in (*source.value_files, source.chart_dir):
                if path:
                    readers.setdefault(path, []).append(app)
        for directory in app.directories:
            readers.setdefault(directory.path, []).append(app)
    charts = sorted((chart.dir for chart in model.charts), key=len, reverse=True)

    def group_of(finding: Finding) -> Group:
        path, line = finding.location.path, finding.location.line
        app = by_resource.get(finding.resource) if finding.resource else None
        if app is None and path in by_file:
            declared = [a for a in by_file[path] if a.doc.location().line <= line] or by_file[path]
            app = declared[-1]
        if app is None:
            app = _only_reader(readers, path)
        if app is not None:
            return Group(0, app.name, app.file)
        chart = next((c for c in charts if _under(path, c)), None)
        if chart is not None:
            return Group(1, chart)
        folder = dirname(path)
        return Group(2, folder) if folder and path not in (".", "") else Group(3, "")

    return group_of


def _only_reader(readers: dict[str, list[Application]], path: str) -> Application | None:
    """The Application that reads `path` (the longest registered prefix), when exactly one does."""
    candidates = [p for p in readers if _under(path, p)]
    if not candidates:
        return None
    found = {app.key: app for app in readers[max(candidates, key=len)]}
    return next(iter(found.values())) if len(found) == 1 else None


def _under(path: str, prefix: str) -> bool:
    return path == prefix or prefix in ("", ".") or path.startswith(prefix.rstrip("/") + "/")
