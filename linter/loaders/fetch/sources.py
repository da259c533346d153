"""Where a chart comes from: an HTTP Helm repository (`https://…` + chart name) or an OCI registry
(`oci://host/path` + chart name, or Argo CD's scheme-less `host/path` with `chart:`), and the
mirrors that rewrite those locations (config `charts.mirrors`, longest matching prefix wins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from ...model import Mirror


@dataclass(frozen=True)
class ChartSource:
    """A chart's home. `repo` is the repository URL (HTTP) or `oci://host/path` (no chart name)."""

    kind: Literal["http", "oci"]
    repo: str
    name: str
    plain_http: bool = False
    insecure: bool = False

    @property
    def reference(self) -> str:
        """`oci://host/path/name` for a registry, the repository URL for HTTP."""
        return f"{self.repo}/{self.name}" if self.kind == "oci" else self.repo

    @property
    def host(self) -> str:
        return urlsplit(self.repo if self.kind == "http" else "https://" + self.repo[len("oci://") :]).netloc

    @property
    def key(self) -> str:
        """Identity in the cache: where it really is fetched from, and how (an archive fetched
        without TLS checks never stands in for one fetched with them)."""
        where = self.reference if self.kind == "oci" else f"{self.repo}#{self.name}"
        return where + ("#plain-http" if self.plain_http else "") + ("#insecure" if self.insecure else "")

    def describe(self) -> str:
        return self.reference if self.kind == "oci" else f"`{self.name}` from {self.repo}"


def chart_source(
    repository: str, name: str, mirrors: tuple[Mirror, ...] = (), names: Mapping[str, str] | None = None
) -> ChartSource | None:
    """The source of chart `name` in `repository` (a Chart.yaml `repository`, an Application's
    `repoURL`), after mirrors; None when it is no remote location (empty, `file://`, an `@name`
    that `names`, Helm's repository names, does not list)."""
    text = repository.strip().rstrip("/")
    alias = repository_alias(text)
    if alias is not None:
        text = (names or {}).get(alias, "")
    if not text or text.startswith("file://"):
        return None
    if "://" not in text:
        text = "oci://" + text  # Argo CD: a repoURL without a scheme next to `chart:` is a registry
    text, mirror = mirrored(text, mirrors)
    plain_http = mirror.plain_http if mirror else False
    insecure = mirror.insecure_skip_tls_verify if mirror else False
    scheme = text.split("://", 1)[0].lower()
    if scheme == "oci":
        return ChartSource("oci", text, name, plain_http, insecure)
    if scheme in ("http", "https"):
        return ChartSource("http", text, name, plain_http, insecure)
    return None


def repository_alias(repository: str) -> str | None:
    """The repository name in a Chart.yaml `repository: "@name"` or `"alias:name"`, else None."""
    for prefix in ("@", "alias:"):
        if repository.startswith(prefix):
            return repository[len(prefix) :]
    return None


def mirrored(location: str, mirrors: tuple[Mirror, ...]) -> tuple[str, Mirror | None]:
    """`location` with the longest matching mirror prefix replaced, and that mirror (None: as it was).
    A prefix matches whole path segments only: `https://charts.example.com` covers
    `https://charts.example.com/stable` but not `https://charts.example.com.evil.io`."""
    matching = [(rest, m) for m in mirrors if (rest := _after_prefix(location, _scheme(m.source))) is not None]
    if not matching:
        return location, None
    rest, mirror = max(matching, key=lambda match: len(_scheme(match[1].source)))
    return _joined(mirror.target, rest), mirror


def _after_prefix(location: str, prefix: str) -> str | None:
    """What follows `prefix` in `location` (no leading `/`), or None when it does not cover it."""
    stem = prefix if prefix.endswith("://") else prefix.rstrip("/")
    if location == stem:
        return ""
    rest = location[len(stem) :]
    if not location.startswith(stem) or not (stem.endswith("/") or rest.startswith("/")):
        return None
    return rest.lstrip("/")


def _joined(target: str, rest: str) -> str:
    if not rest:
        return target if target.endswith("://") else target.rstrip("/")
    return (target if target.endswith("/") else target + "/") + rest


def _scheme(prefix: str) -> str:
    return prefix if "://" in prefix else "oci://" + prefix
