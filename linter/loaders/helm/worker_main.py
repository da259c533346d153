"""The Helm worker process: real Helm (helm_python) behind a pipe, away from the linter.

Run only by worker.py (`python -I worker_main.py SITE_DIR AS_LIMIT_MIB`). It imports nothing of the
linter: the standard library and helm_python only. Why a separate process (docs/reference/helm.md):
Helm's Go runtime aborts the whole process when it runs out of memory, its network calls have no
timeouts, and it reads its configuration from the environment the process was started with; here
the parent sets that environment, kills the process on a deadline or a memory breach, and starts
a new one.

Protocol: one JSON object per line on stdin, one answer per line on the inherited stdout (the
real fd 1; anything Helm or Python prints goes to stderr instead). Bytes travel as base64.
Answers: {"ok": true, ...} or {"ok": false, "error": "...", "kind": "..."}.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_ERROR_CHARS = 4000


def _limit_memory(mib: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mib << 20, mib << 20))
    except (ImportError, ValueError, OSError):
        pass  # not on every platform; the parent's RSS watchdog and deadline still apply


def _error_text(text: str | None) -> str:
    text = text or "unknown error"
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + "…"


class Native:
    """Direct calls into the C library, decoding errors with replacement (helm_python decodes
    strictly and raises UnicodeDecodeError on invalid UTF-8 in a message)."""

    def __init__(self) -> None:
        from helm_python import _native

        self.native = _native

    def call(self, function: str, *args: Any) -> tuple[int, str | None, str | None]:
        lib = self.native.lib
        out, err = ctypes.c_void_p(), ctypes.c_void_p()
        code = getattr(lib, function)(*self.native._prepare(args), ctypes.byref(out), ctypes.byref(err))
        return code, self._take(err), self._take(out)

    def _take(self, pointer: ctypes.c_void_p) -> str | None:
        if not pointer.value:
            return None
        try:
            return ctypes.string_at(pointer.value).decode("utf-8", errors="replace")
        finally:
            self.native.lib.helm_free_string(ctypes.c_void_p(pointer.value))


def render(helm: Any, native: Native, request: dict[str, Any]) -> dict[str, Any]:
    archive = base64.b64decode(request["archive"])
    try:
        chart = helm.Chart.load_archive(archive)
    except (helm.HelmError, UnicodeDecodeError) as exc:
        return {"ok": False, "kind": "loading", "error": _error_text(str(getattr(exc, "detail", None) or exc))}
    with chart:
        code, error, result = native.call(
            "helm_render", chart._raw(), json.dumps(request["values"]), json.dumps(request["options"])
        )
        crds = (
            [{"name": c.get("name"), "data": _as_text(c.get("data"))} for c in (chart.crds or [])] if code == 0 else []
        )
    if code != 0:
        return {"ok": False, "kind": "rendering", "error": _error_text(error)}
    return {"ok": True, "manifests": json.loads(result or "{}"), "crds": crds}


def _as_text(data: Any) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data or "")


def repo_index(helm: Any, request: dict[str, Any]) -> dict[str, Any]:
    index = helm.repo_index(
        request["url"],
        username=request.get("username"),
        password=request.get("password"),
        insecure_skip_tls_verify=bool(request.get("insecure")),
    )
    return {"ok": True, "index": index}


def pull(helm: Any, request: dict[str, Any]) -> dict[str, Any]:
    """One chart archive: an absolute chart URL of an HTTP repository, or an `oci://` reference."""
    with tempfile.TemporaryDirectory() as work:
        options: dict[str, Any] = {
            "destination": work,
            "insecure_skip_tls_verify": bool(request.get("insecure")),
        }
        ref = request["ref"]
        if ref.startswith("oci://"):
            client = helm.RegistryClient(
                plain_http=bool(request.get("plainHttp")), credentials_file=_credentials(work, request)
            )
            with client:
                client.pull(ref, version=request.get("version"), plain_http=bool(request.get("plainHttp")), **options)
        else:
            helm.pull(ref, username=request.get("username"), password=request.get("password"), **options)
        archives = [p for p in Path(work).iterdir() if p.suffix == ".tgz" and p.is_file()]
        if len(archives) != 1:
            return {"ok": False, "kind": "fetch", "error": "the pull produced no chart archive"}
        return {"ok": True, "archive": base64.b64encode(archives[0].read_bytes()).decode()}


def oci_tags(helm: Any, request: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work:
        client = helm.RegistryClient(
            plain_http=bool(request.get("plainHttp")), credentials_file=_credentials(work, request)
        )
        with client:
            return {"ok": True, "tags": list(client.tags(request["ref"]))}


def _credentials(work: str, request: dict[str, Any]) -> str:
    """A Docker-format credentials file with the one host's entry the parent gave (or none)."""
    path = Path(work) / "registry.json"
    auths = {}
    if request.get("username") is not None and request.get("host"):
        token = base64.b64encode(f"{request['username']}:{request.get('password') or ''}".encode()).decode()
        auths[request["host"]] = {"auth": token}
    path.write_text(json.dumps({"auths": auths}), encoding="utf-8")
    os.chmod(path, 0o600)
    return str(path)


def serve() -> None:
    site, limit = sys.argv[1], int(sys.argv[2])
    _limit_memory(limit)
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # whatever else writes to stdout (Go, Python) lands on stderr
    if site:
        sys.path.insert(0, site)
    import helm_python as helm

    native = Native()
    handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "render": lambda r: render(helm, native, r),
        "repo_index": lambda r: repo_index(helm, r),
        "pull": lambda r: pull(helm, r),
        "oci_tags": lambda r: oci_tags(helm, r),
        "ping": lambda r: {"ok": True},
    }
    protocol.write(json.dumps({"ok": True, "ready": True}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = handlers[request["op"]](request)
        except (helm.HelmError, UnicodeDecodeError, OSError, KeyError, ValueError, TypeError) as exc:
            detail = getattr(exc, "detail", None) or exc
            answer = {"ok": False, "kind": type(exc).__name__, "error": _error_text(str(detail))}
        protocol.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    serve()
