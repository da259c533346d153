"""The one door to Helm's engine (helm_python, real Helm v4): render a chart archive, or a set of
Go templates with sprig (ApplicationSet `goTemplate`), and parse `--set` expressions.

Everything a repository contains that Helm evaluates goes through here, so that bounds on time
and memory (and the sandbox) apply in one place.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class EngineError(Exception):
    """Helm refused the chart (`loading`) or a template failed (`rendering`): Helm's message."""

    def __init__(self, message: str, loading: bool = False) -> None:
        super().__init__(message)
        self.loading = loading


class TemplateError(EngineError):
    """One of the Go templates given to render_go_templates failed: which one, and why."""

    def __init__(self, index: int | None, detail: str) -> None:
        super().__init__(detail)
        self.index, self.detail = index, detail


_EXECUTING = re.compile(r'executing "m0sh1\.f(\d+)" at <([^>]*)>:\s*(.*)', re.S)
_PARSING = re.compile(r"_fields\.tpl:(\d+)\)?:? ?(.*)", re.S)


def _call_render(handle: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, str]:
    """`helm_render` with every option the native library knows (the Python wrapper exposes
    fewer: `kube_version`, `api_versions` and `strict` are only reachable this way)."""
    from helm_python import _native

    rendered = _native.call_string("helm_render", handle._raw(), json.dumps(values), json.dumps(dict(options)))
    manifests: dict[str, str] = json.loads(rendered)
    return manifests


@dataclass(frozen=True)
class Render:
    """What `helm template --include-crds` prints: template path → text, and the charts' crds/."""

    manifests: dict[str, str]
    crds: list[tuple[str, str]]  # (name inside the chart, text)


def render_archive(
    archive: bytes,
    values: Mapping[str, Any],
    *,
    release: str,
    namespace: str,
    kube_version: str | None = None,
    api_versions: Sequence[str] = (),
    strict: bool = False,
) -> dict[str, str]:
    """Template path → rendered text, as `helm template` renders a chart (install, not upgrade)."""
    return render_chart(
        archive,
        values,
        release=release,
        namespace=namespace,
        kube_version=kube_version,
        api_versions=api_versions,
        strict=strict,
    ).manifests


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
    import helm_python

    options: dict[str, Any] = {"name": release, "namespace": namespace, "is_install": True}
    if kube_version:
        options["kube_version"] = kube_version
    if api_versions:
        options["api_versions"] = list(api_versions)
    if strict:
        options["strict"] = True
    try:
        handle = helm_python.Chart.load_archive(archive)
    except (helm_python.HelmError, UnicodeDecodeError) as exc:
        raise EngineError(_message(exc), loading=True) from None
    with handle:
        try:
            manifests = _call_render(handle, values, options)
            crds = [(str(c.get("name") or ""), _text(c.get("data"))) for c in (handle.crds or [])]
        except (helm_python.HelmError, UnicodeDecodeError) as exc:
            raise EngineError(_message(exc)) from None
    return Render(manifests, crds)


def _text(data: Any) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data or "")


def _message(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "Helm's error message is not UTF-8 text"
    return str(getattr(exc, "detail", None) or exc)


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
        manifests = render_archive(
            _archive(files), {"params": dict(data)}, release="appset", namespace="default", strict=strict
        )
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
