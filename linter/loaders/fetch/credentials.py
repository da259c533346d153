"""Who may fetch a chart: user credentials, never the repository's.

A repository is untrusted (forks open pull requests), so nothing in it can name credentials. They
come from the machine, in this order:

1. `M0SH1_LINT_HELM_AUTH`: JSON `{"<URL prefix or registry host>": {"username": "…",
   "password": "…"}}`, for CI secrets;
2. Helm's repository config (`$HELM_REPOSITORY_CONFIG`, default
   `~/.config/helm/repositories.yaml`): the `username`/`password` of the entry whose `url` the
   repository URL starts with;
3. for OCI, Helm's registry config (`$HELM_REGISTRY_CONFIG`, default
   `~/.config/helm/registry/config.json`) and Docker's (`$DOCKER_CONFIG/config.json`, default
   `~/.docker/config.json`): the `auths` entry of the registry host.

Credentials go only to the host they were given for (after mirrors), and are never printed,
cached or written anywhere but the worker's private, short-lived registry file.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .sources import ChartSource

ENV_AUTH = "M0SH1_LINT_HELM_AUTH"


@dataclass(frozen=True)
class Credential:
    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:  # never show the password, even in a traceback
        return f"Credential(username={self.username!r}, password=***)"


@dataclass
class Credentials:
    by_prefix: dict[str, Credential] = field(default_factory=dict)  # URL prefix → credential
    by_host: dict[str, Credential] = field(default_factory=dict)  # registry host → credential

    def for_source(self, source: ChartSource) -> Credential | None:
        """The credential given for this host and a path prefix of the repository (on a `/`
        boundary): `https://charts.corp` never matches `https://charts.corp.evil.example`."""
        location = source.repo if source.kind == "http" else source.repo[len("oci://") :]
        matching = [p for p in self.by_prefix if _covers(p, location, source.kind)]
        if matching:
            return self.by_prefix[max(matching, key=len)]
        return self.by_host.get(source.host) if source.kind == "oci" else None


def _covers(prefix: str, location: str, kind: str) -> bool:
    """Is `location` (an HTTP repository URL, or `host/path` of a registry) at or below `prefix`?"""
    given = prefix.rstrip("/")
    if kind == "oci":
        given = given.removeprefix("oci://")
        if "://" in given:
            return False
        given, location = "oci://" + given, "oci://" + location
    want, have = urlsplit(given), urlsplit(location)
    if (want.scheme, want.netloc) != (have.scheme, have.netloc) or want.username or have.username:
        return False
    path = want.path.rstrip("/")
    return not path or have.path == path or have.path.startswith(path + "/")


def load_credentials(environ: os._Environ[str] | dict[str, str] | None = None) -> Credentials:
    env = dict(os.environ if environ is None else environ)
    home = Path(env.get("HOME") or Path.home())
    found = Credentials()
    _from_docker_files(
        found,
        [
            Path(env["HELM_REGISTRY_CONFIG"])
            if env.get("HELM_REGISTRY_CONFIG")
            else home / ".config/helm/registry/config.json",
            Path(env["DOCKER_CONFIG"]) / "config.json" if env.get("DOCKER_CONFIG") else home / ".docker/config.json",
        ],
    )
    _from_helm_repositories(found, _repositories_file(env))
    _from_environment(found, env.get(ENV_AUTH))
    return found


def helm_repository_names(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, str]:
    """Name → URL of the repositories in Helm's repository config (`helm repo add`), which a
    Chart.yaml dependency may name as `@name` or `alias:name`."""
    data = _read_yaml(_repositories_file(dict(os.environ if environ is None else environ)))
    entries = (data or {}).get("repositories") or () if isinstance(data, dict) else ()
    return {
        str(e["name"]): str(e["url"]).rstrip("/")
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("url"), str)
    }


def _repositories_file(env: dict[str, str]) -> Path:
    if env.get("HELM_REPOSITORY_CONFIG"):
        return Path(env["HELM_REPOSITORY_CONFIG"])
    return Path(env.get("HOME") or Path.home()) / ".config/helm/repositories.yaml"


def _from_environment(found: Credentials, text: str | None) -> None:
    if not text:
        return
    try:
        data = json.loads(text)
    except ValueError:
        return
    if not isinstance(data, dict):
        return
    for location, entry in data.items():
        credential = _credential(entry)
        if credential is None:
            continue
        if "://" in location or "/" in location:
            found.by_prefix[str(location)] = credential
        else:
            found.by_host[str(location)] = credential


def _from_helm_repositories(found: Credentials, path: Path) -> None:
    data = _read_yaml(path)
    for entry in (data or {}).get("repositories") or () if isinstance(data, dict) else ():
        if isinstance(entry, dict) and entry.get("url") and entry.get("username"):
            credential = _credential(entry)
            if credential is not None:
                found.by_prefix.setdefault(str(entry["url"]).rstrip("/"), credential)


def _from_docker_files(found: Credentials, paths: list[Path]) -> None:
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for host, entry in (data.get("auths") or {}).items() if isinstance(data, dict) else ():
            token = entry.get("auth") if isinstance(entry, dict) else None
            if not isinstance(token, str):
                continue
            try:
                username, _, password = base64.b64decode(token).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                continue
            bare = str(host).removeprefix("https://").removeprefix("http://").rstrip("/")
            found.by_host.setdefault(bare, Credential(username, password))


def _credential(entry: Any) -> Credential | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("username"), str):
        return None
    return Credential(entry["username"], str(entry.get("password") or ""))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):  # a broken user file gives no credentials, nothing more
        return None
