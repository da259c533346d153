"""`.m0sh1-lint.yaml`: discovery, schema validation and typed access.

Defaults fit the layout of the seed repo: enabled Applications under argocd/apps/, disabled ones
under argocd/disabled/, charts under apps/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import LintError
from .loaders.yaml import decode, parse_documents
from .resources import schema
from .schema_errors import first_error

CONFIG_NAMES = (".m0sh1-lint.yaml", ".m0sh1-lint.yml")


@dataclass(frozen=True)
class PathIgnore:
    paths: tuple[str, ...]
    rules: tuple[str, ...]  # empty: every rule
    reason: str


@dataclass(frozen=True)
class Config:
    source: str | None = None  # the file it came from, for messages
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    rule_dirs: tuple[Path, ...] = ()
    ignore_paths: tuple[PathIgnore, ...] = ()
    applications: tuple[str, ...] = ("argocd/apps/**",)
    disabled_applications: tuple[str, ...] = ("argocd/disabled/**",)
    chart_roots: tuple[str, ...] = ("apps",)
    exclude: tuple[str, ...] = (".*", "node_modules", "venv", "__pycache__")
    cluster_storage_classes: tuple[str, ...] = ()
    default_storage_class: str | None = None
    storage_class_renames: Mapping[str, str] = field(default_factory=dict)
    cluster_secrets: tuple[Mapping[str, Any], ...] = ()  # {namespace, name, keys?}
    kubernetes_version: str = "1.34"


def find_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None, display: str | None = None) -> Config:
    """Read and validate a config file; None gives the defaults. Raises LintError when invalid."""
    if path is None:
        return Config()
    shown = display or str(path)
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        raise LintError(f"{shown}: cannot read config ({exc.strerror or exc})") from None
    if text is None:
        raise LintError(f"{shown}: config is not UTF-8 text")
    docs, problems = parse_documents(text, shown)
    if problems:
        problem = problems[0]
        reason = problem.fields.get("reason") or f"duplicate key `{problem.fields.get('key')}`"
        raise LintError(f"{shown}:{problem.location.line}: invalid config: {reason}")
    data: Any = docs[0].data if docs else {}
    if data is None:
        data = {}
    error = first_error(schema("config.schema.json"), data)
    if error:
        raise LintError(f"{shown}: invalid config: {error}")
    return _from_data(data, path.parent, shown)


def _from_data(data: Mapping[str, Any], base: Path, shown: str) -> Config:
    paths = data.get("paths") or {}
    cluster = data.get("cluster") or {}
    defaults = Config()
    return Config(
        source=shown,
        select=tuple(data.get("select") or ()),
        ignore=tuple(data.get("ignore") or ()),
        severity=dict(data.get("severity") or {}),
        rule_dirs=tuple((base / d) for d in data.get("ruleDirs") or ()),
        ignore_paths=tuple(
            PathIgnore(tuple(item["paths"]), tuple(item.get("rules") or ()), item["reason"])
            for item in data.get("ignorePaths") or ()
        ),
        applications=tuple(paths.get("applications") or defaults.applications),
        disabled_applications=tuple(paths.get("disabledApplications") or defaults.disabled_applications),
        chart_roots=tuple(p.strip("/") for p in paths.get("charts") or defaults.chart_roots),
        exclude=tuple(paths.get("exclude") or defaults.exclude),
        cluster_storage_classes=tuple(cluster.get("storageClasses") or ()),
        default_storage_class=cluster.get("defaultStorageClass"),
        storage_class_renames=dict((data.get("renames") or {}).get("storageClasses") or {}),
        cluster_secrets=tuple(cluster.get("secrets") or ()),
        kubernetes_version=str(data.get("kubernetesVersion") or defaults.kubernetes_version).lstrip("v"),
    )
