"""The parent side of the Helm worker (worker_main.py): start it with a private environment,
send a request, wait with a deadline and a memory watchdog, kill and restart it after a breach.

Every Helm call that touches the network goes through here, and so can rendering: Helm's Go
runtime cannot be bounded in process (no timeouts on registry calls, an out-of-memory abort
takes the whole process down, its environment is fixed at exec).
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKER_SCRIPT = Path(__file__).with_name("worker_main.py")
START_DEADLINE_S = 30.0
ADDRESS_SPACE_MIB = 4096  # the Go runtime needs ~1 GiB of address space just to start
RSS_LIMIT_MIB = 1536
POLL_S = 0.05


class WorkerError(Exception):
    """The worker did not answer: a deadline passed, it used too much memory, or it died."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason + (f": {detail}" if detail else ""))
        self.reason, self.detail = reason, detail


def _helm_site() -> str:
    """The directory helm_python is installed in (the worker runs isolated: `python -I`)."""
    spec = importlib.util.find_spec("helm_python")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return str(Path(next(iter(spec.submodule_search_locations))).parent)


@dataclass
class Worker:
    """One Helm worker process, started on first use and again after it had to be killed."""

    rss_limit_mib: int = RSS_LIMIT_MIB
    _process: subprocess.Popen[bytes] | None = None
    _home: tempfile.TemporaryDirectory[str] | None = None
    _buffer: bytes = b""
    _stderr: deque[str] = field(default_factory=lambda: deque(maxlen=40))
    starts: int = 0

    def call(self, request: dict[str, Any], deadline_s: float) -> dict[str, Any]:
        """Send one request; the answer, or WorkerError (after which the worker is gone)."""
        process = self._ensure()
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(request).encode() + b"\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.kill()
            raise WorkerError("the Helm worker stopped", self._tail()) from None
        answer: dict[str, Any] = json.loads(self._read_line(deadline_s))
        return answer

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self.kill()  # a process that exited on its own: remove its home first
        self._home = tempfile.TemporaryDirectory(prefix="m0sh1-lint-helm-")
        self._buffer = b""
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_SCRIPT), _helm_site(), str(ADDRESS_SPACE_MIB)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(Path(self._home.name)),
            cwd=self._home.name,
        )
        self.starts += 1
        threading.Thread(target=self._drain, args=(self._process,), daemon=True).start()
        self._read_line(START_DEADLINE_S)
        return self._process

    def _drain(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            self._stderr.append(raw.decode("utf-8", "replace").rstrip())

    def _tail(self) -> str:
        lines = [line for line in self._stderr if line.strip()]
        return " ".join(lines[-3:])[:500]

    def _read_line(self, deadline_s: float) -> bytes:
        process = self._process
        assert process is not None and process.stdout is not None
        end = time.monotonic() + deadline_s
        fd = process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = end - time.monotonic()
            if left <= 0:
                self.kill()
                raise WorkerError(f"Helm did not answer within {deadline_s:g} s")
            ready, _, _ = select.select([fd], [], [], min(left, POLL_S))
            if self.rss_limit_mib and _rss_mib(process.pid) > self.rss_limit_mib:
                self.kill()
                raise WorkerError(f"Helm used more than {self.rss_limit_mib} MiB of memory")
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    code = process.wait()
                    tail = self._tail()
                    self.kill()  # closes nothing twice: the process is gone, its home is removed
                    raise WorkerError(f"the Helm worker stopped (exit status {code})", tail)
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        if process is not None:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        if self._home is not None:
            with contextlib.suppress(OSError):
                self._home.cleanup()
            self._home = None

    def close(self) -> None:
        process = self._process
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(2)
        self.kill()


def _environment(home: Path) -> dict[str, str]:
    """What Helm sees: a private home, no kubeconfig, no user registry or repository config."""
    for sub in ("cache", "config", "data", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
        "HELM_REGISTRY_CONFIG": str(home / "config" / "registry.json"),
        "HELM_REPOSITORY_CONFIG": str(home / "config" / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(home / "cache" / "repository"),
        "DOCKER_CONFIG": str(home / "config" / "docker"),
        "KUBECONFIG": os.devnull,
        "MALLOC_ARENA_MAX": "2",
    }
    for name in (
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "NO_PROXY",
        "https_proxy",
        "http_proxy",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ):
        if name in os.environ:  # proxies and CA bundles are the user's network, which fetching needs
            env[name] = os.environ[name]
    return env


def _rss_mib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        return 0
    return 0


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode(text: str) -> bytes:
    return base64.b64decode(text)
