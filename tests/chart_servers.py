"""Real chart servers for tests: charts packaged with real Helm (helm_python), a Helm repository
served over HTTP by the standard library (optionally behind basic auth), and a real OCI registry
(the CNCF distribution registry, Debian's `docker-registry`, optionally behind htpasswd).
Nothing here is a stand-in for Helm or for a registry."""

from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import helm_python
from ruamel.yaml import YAML

from linter.core.chart_lock import requirements_digest


def tgz(members: Iterable[tuple[str, bytes | str]]) -> bytes:
    """A gzipped tar of (name, content) members, built by hand (no Helm: for archives Helm would refuse)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in members:
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def chart_lock(chart_yaml: str, versions: Iterable[str]) -> str:
    """A Chart.lock pinning Chart.yaml's dependencies, in order, to `versions`, with the digest
    Helm would write (test_chart_lock checks that digest against Helm's own)."""
    dependencies = YAML(typ="safe").load(chart_yaml)["dependencies"]
    pins = [
        {"name": d["name"], "repository": d.get("repository", ""), "version": v}
        for d, v in zip(dependencies, versions, strict=True)
    ]
    entries = "".join(
        f"  - name: {p['name']}\n    repository: {p['repository']}\n    version: {p['version']}\n" for p in pins
    )
    digest = requirements_digest(dependencies, pins)
    return f'dependencies:\n{entries}digest: {digest}\ngenerated: "2026-01-01T00:00:00Z"\n'


def write_chart(
    root: Path,
    name: str,
    version: str = "1.0.0",
    *,
    templates: dict[str, str] | None = None,
    values: str = "",
    crds: dict[str, str] | None = None,
    schema: str | None = None,
    extra: str = "",
) -> Path:
    """A chart directory `root/name` (Chart.yaml, values.yaml, templates/, crds/)."""
    chart = root / name
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n{extra}", encoding="utf-8")
    (chart / "values.yaml").write_text(values, encoding="utf-8")
    for file, text in (templates or {}).items():
        (chart / "templates" / file).write_text(text, encoding="utf-8")
    for file, text in (crds or {}).items():
        (chart / "crds").mkdir(exist_ok=True)
        (chart / "crds" / file).write_text(text, encoding="utf-8")
    if schema is not None:
        (chart / "values.schema.json").write_text(schema, encoding="utf-8")
    return chart


def package(chart: Path, destination: Path, version: str | None = None) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    return Path(helm_python.package(chart, destination=destination, version=version))


@dataclass
class HttpRepo:
    """A Helm repository directory served on 127.0.0.1; `requests` counts what was asked for and
    `authorized` what came with an Authorization header."""

    directory: Path
    url: str = ""
    requests: list[str] = field(default_factory=list)
    authorized: list[str] = field(default_factory=list)
    auth: tuple[str, str] | None = None

    def publish(self, *archives: Path, base_url: str | None = None) -> None:
        """Copy the archives in and write `index.yaml` (archive URLs under `base_url` when given)."""
        for archive in archives:
            shutil.copy(archive, self.directory / archive.name)
        helm_python.repo_index_generate(self.directory, base_url=base_url)


@contextmanager
def http_repo(directory: Path, auth: tuple[str, str] | None = None) -> Iterator[HttpRepo]:
    directory.mkdir(parents=True, exist_ok=True)
    repo = HttpRepo(directory, auth=auth)
    expected = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            repo.requests.append(self.path)
            if self.headers.get("Authorization"):
                repo.authorized.append(self.path)
            if expected is not None and self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="charts"')
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
    repo.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield repo
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Registry:
    host: str
    credentials: tuple[str, str] | None = None

    def push(self, archive: Path, path: str = "charts") -> str:
        """Push a chart archive; the `oci://` repository it is in."""
        with tempfile.TemporaryDirectory() as work:
            creds = Path(work) / "registry.json"
            auths = {}
            if self.credentials:
                token = base64.b64encode(f"{self.credentials[0]}:{self.credentials[1]}".encode()).decode()
                auths[self.host] = {"auth": token}
            creds.write_text(json.dumps({"auths": auths}), encoding="utf-8")
            with helm_python.RegistryClient(plain_http=True, credentials_file=creds) as client:
                client.push(archive, f"oci://{self.host}/{path}")
        return f"oci://{self.host}/{path}"


REGISTRY_BINARY = "docker-registry"


def registry_available() -> bool:
    return shutil.which(REGISTRY_BINARY) is not None


@contextmanager
def oci_registry(work: Path, credentials: tuple[str, str] | None = None) -> Iterator[Registry]:
    """A real registry on 127.0.0.1 (a free port the kernel picks), with htpasswd auth when asked."""
    work.mkdir(parents=True, exist_ok=True)
    auth = ""
    if credentials:
        import bcrypt

        hashed = bcrypt.hashpw(credentials[1].encode(), bcrypt.gensalt(rounds=5)).decode()
        (work / "htpasswd").write_text(f"{credentials[0]}:{hashed}\n", encoding="utf-8")
        auth = f"auth:\n  htpasswd:\n    realm: test\n    path: {work / 'htpasswd'}\n"
    config = work / "config.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {work / 'storage'}\n"
        "http:\n  addr: 127.0.0.1:0\n  secret: test-only-not-secret\n" + auth,
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [REGISTRY_BINARY, "serve", str(config)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        host = _listening(process)
        _wait_ready(host)
        yield Registry(host, credentials)
    finally:
        process.terminate()
        process.wait(10)


def _listening(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + 20
    for line in process.stderr:
        match = re.search(r"listening on (127\.0\.0\.1:\d+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in process.stderr or ()], daemon=True).start()
            return match.group(1)
        if time.monotonic() > deadline:
            break
    raise RuntimeError("the registry did not start")


def _wait_ready(host: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://{host}/v2/", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # 401: up, and asking for credentials
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the registry does not answer")


def env_without_network(home: Path) -> dict[str, str]:
    """An environment for a linter subprocess: its own HOME, no proxies."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["HOME"] = str(home)
    return env
