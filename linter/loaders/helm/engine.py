"""The one door to Helm's engine (helm_python, real Helm v4): render a chart archive, or a set of
Go templates with sprig (ApplicationSet `goTemplate`).

Everything a repository contains that Helm evaluates goes through here, and runs in the Helm
worker process (worker.py): a template that loops forever or allocates without bound is stopped
at a deadline or a memory limit and reported as that chart's failure, and a Go runtime abort
takes down the worker, not the linter. The worker starts on the first render (a warm run served
by the render cache starts none).
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import io
import os
import re
import tarfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .worker import Worker, WorkerError, encode

# Bounds of one render (one chart, one release); the user's to change through the environment,
# never the repository's (a pull request could raise them).
RENDER_DEADLINE_S = 30.0
RENDER_MEMORY_MIB = 1024
# Renders that had to be stopped (deadline, memory) share twice the deadline of one in a run;
# once that is spent, each later render gets AFTER_BUDGET_S, so that a repository of many slow
# charts cannot hold a run for 30 s per chart (charts render in well under a second)
STOPPED_BUDGET_RENDERS = 2
AFTER_BUDGET_S = 2.0
ENV_RENDER_TIMEOUT = "M0SH1_LINT_RENDER_TIMEOUT"  # seconds
ENV_RENDER_MEMORY = "M0SH1_LINT_RENDER_MEMORY_MIB"


def _limit(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


class EngineError(Exception):
    """Helm refused the chart (`loading`) or a template failed (`rendering`): Helm's message."""

    def __init__(self, message: str, loading: bool = False, stopped: bool = False) -> None:
        super().__init__(message)
        self.loading = loading
        self.stopped = stopped  # the worker was stopped (deadline, memory): not the chart's answer


@functools.cache
def helm_version() -> str:
    """The helm-python-sdk release that renders (part of every render-cache key), from the name
    of the dist-info directory beside the package: importlib.metadata gives the same, but importing
    it and parsing the METADATA file cost ~100 M instructions, 7% of a run on an empty repository."""
    spec = importlib.util.find_spec("helm_python")  # finds it without importing it (that loads Helm)
    for location in (spec.submodule_search_locations or ()) if spec is not None else ():
        for entry in sorted(Path(location).parent.glob("helm_python_sdk-*.dist-info")):
            return entry.name.removeprefix("helm_python_sdk-").removesuffix(".dist-info")
    return "unknown"


class TemplateError(EngineError):
    """One of the Go templates given to render_go_templates failed: which one, and why."""

    def __init__(self, index: int | None, detail: str) -> None:
        super().__init__(detail)
        self.index, self.detail = index, detail


_EXECUTING = re.compile(r'executing "m0sh1\.f(\d+)" at <([^>]*)>:\s*(.*)', re.S)
_PARSING = re.compile(r"_fields\.tpl:(\d+)\)?:? ?(.*)", re.S)


class _Renderer:
    """The worker that renders, shared by every render of a run, one request at a time."""

    def __init__(self) -> None:
        self.worker: Worker | None = None
        self.lock = threading.Lock()
        self.stopped_s = 0.0  # time spent in renders that were stopped, this run
        atexit.register(self.close)

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            memory = int(_limit(ENV_RENDER_MEMORY, RENDER_MEMORY_MIB))
            if self.worker is None or self.worker.rss_limit_mib != memory:
                if self.worker is not None:
                    self.worker.close()
                self.worker = Worker(rss_limit_mib=memory)
            deadline = _limit(ENV_RENDER_TIMEOUT, RENDER_DEADLINE_S)
            budget = STOPPED_BUDGET_RENDERS * deadline
            left = budget - self.stopped_s
            shortened = left < deadline
            allowed = round(max(left, min(AFTER_BUDGET_S, deadline)), 1) if shortened else deadline
            started = time.monotonic()
            try:
                return self.worker.call(request, allowed)
            except WorkerError as exc:
                self.stopped_s += min(time.monotonic() - started, allowed)  # not the worker's restart
                if shortened:
                    spent = f"the {budget:g} s a run gives renders that must be stopped are used up"
                    raise WorkerError(f"{exc.reason} ({spent})", exc.detail) from None
                raise

    def start_run(self) -> None:
        with self.lock:
            self.stopped_s = 0.0

    def close(self) -> None:
        with self.lock:
            if self.worker is not None:
                self.worker.close()
                self.worker = None


_RENDERER = _Renderer()


def start_run() -> None:
    """A new run: renders stopped in an earlier one (a test, a --fix round) no longer count."""
    _RENDERER.start_run()


@dataclass(frozen=True)
class Render:
    """What `helm template --include-crds` prints: template path → text, and the charts' crds/."""

    manifests: dict[str, str]
    crds: list[tuple[str, str]]  # (name inside the chart, text)


def render_chart(
    archive: bytes,
    values: Mapping[str, Any],
    *,
    release: str,
    namespace: str,
    kube_version: str | None = None,
    api_versions: Sequence[str] = (),
    strict: bool = False,
) -> Render:
    """The chart rendered as `helm template --include-crds` renders it (install, not upgrade)."""
    options: dict[str, Any] = {"name": release, "namespace": namespace, "is_install": True}
    if kube_version:
        options["kube_version"] = kube_version
    if api_versions:
        options["api_versions"] = list(api_versions)
    if strict:
        options["strict"] = True
    request = {"op": "render", "archive": encode(archive), "values": dict(values), "options": options}
    try:
        answer = _RENDERER.call(request)
    except WorkerError as exc:
        raise EngineError(f"rendering was stopped: {exc.reason}", stopped=True) from None
    if not answer.get("ok"):
        raise EngineError(str(answer.get("error") or "Helm failed"), loading=answer.get("kind") == "loading")
    manifests = {str(k): str(v) for k, v in (answer.get("manifests") or {}).items()}
    crds = [(str(c.get("name") or ""), _text(c.get("data"))) for c in answer.get("crds") or () if isinstance(c, dict)]
    return Render(manifests, crds)


def _text(data: Any) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data or "")


def render_go_templates(templates: Sequence[str], data: Mapping[str, Any], *, strict: bool) -> list[str]:
    """Each Go template rendered with `data` as `.` (and `$`), with sprig's functions: one chart
    whose partials hold the templates, rendered once. A failure names the template (TemplateError)."""
    files = {"appset/Chart.yaml": "apiVersion: v2\nname: appset\nversion: 0.0.0\n"}
    partials = []
    first_lines = []  # the line of _fields.tpl each template starts on
    line = 1
    for index, text in enumerate(templates):
        first_lines.append(line)
        partials.append(f'{{{{ define "m0sh1.f{index}" }}}}{text}{{{{ end }}}}')
        line += partials[-1].count("\n") + 1
        files[f"appset/templates/f{index}.txt"] = f'{{{{- template "m0sh1.f{index}" .Values.params -}}}}'
    files["appset/templates/_fields.tpl"] = "\n".join(partials)
    try:
        manifests = render_chart(
            _archive(files), {"params": dict(data)}, release="appset", namespace="default", strict=strict
        ).manifests
    except EngineError as exc:
        raise _template_error(str(exc), first_lines) from None
    return [manifests.get(f"appset/templates/f{index}.txt", "") for index in range(len(templates))]


def _template_error(message: str, first_lines: list[int]) -> TemplateError:
    executing = _EXECUTING.search(message)
    if executing:
        return TemplateError(int(executing.group(1)), f"at `{executing.group(2)}`: {executing.group(3).strip()}")
    parsing = _PARSING.search(message)
    if parsing:
        line = int(parsing.group(1))
        index = max((i for i, first in enumerate(first_lines) if first <= line), default=None)
        return TemplateError(index, parsing.group(2).strip() or message)
    return TemplateError(None, message)


def _archive(files: Mapping[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
