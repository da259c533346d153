"""`.m0sh1-lint.yaml`: discovery, schema validation, and conversion into the Config records."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core.errors import LintError
from ..core.reading import NotReadable, read_regular
from ..core.resources import schema
from ..core.schema_errors import first_error
from ..model.config import AnsibleNodes, ArgoConfig, ChartsConfig, ClusterConfig, Config, Mirror, PathIgnore
from .yaml import decode, parse_documents

CONFIG_NAMES = (".m0sh1-lint.yaml", ".m0sh1-lint.yml")
MAX_CONFIG_BYTES = 1 << 20  # a config or rule file


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
        text = decode(read_regular(path, MAX_CONFIG_BYTES))
    except NotReadable as exc:
        raise LintError(f"{shown}: cannot read config: {exc}") from None
    if text is None:
        raise LintError(f"{shown}: config is not UTF-8 text")
    docs, problems = parse_documents(text, shown)
    if problems:
        problem = problems[0]
        reason = problem.fields.get("reason") or f"duplicate key `{problem.fields.get('key')}`"
        raise LintError(f"{shown}:{problem.location.line}: invalid config: {reason}")
    if len(docs) > 1:
        raise LintError(f"{shown}: invalid config: it holds {len(docs)} YAML documents; a config is one")
    data: Any = docs[0].data if docs else {}
    if data is None:
        data = {}
    error = first_error(schema("config.schema.json"), data)
    if error:
        raise LintError(f"{shown}: invalid config: {error}")
    return _from_data(data, path.parent, shown)


def _inside(field: str, entries: Any, shown: str) -> tuple[str, ...]:
    """Repository-relative directories, which may not leave the repository."""
    out = []
    for entry in entries:
        kept: list[str] = []
        for part in (p for p in str(entry).split("/") if p not in ("", ".")):
            if part != "..":
                kept.append(part)
            elif kept:
                kept.pop()
            else:
                raise LintError(f"{shown}: invalid config: {field} entry `{entry}` leaves the repository")
        out.append("/".join(kept))
    return tuple(out)


def _from_data(data: Mapping[str, Any], base: Path, shown: str) -> Config:
    paths = data.get("paths") or {}
    cluster = data.get("cluster") or {}
    nodes = data.get("nodes") or {}
    defaults = Config()
    return Config(
        source=shown,
        select=tuple(data.get("select") or ()),
        ignore=tuple(data.get("ignore") or ()),
        severity=dict(data.get("severity") or {}),
        rule_dirs=tuple((base / d) for d in data.get("ruleDirs") or ()),
        ignore_paths=tuple(
            PathIgnore(
                tuple(item.get("paths") or ()),
                tuple(item.get("rules") or ()),
                item["reason"],
                tuple(item.get("apps") or ()),
                str(item["expires"]) if item.get("expires") else None,
            )
            for item in data.get("ignorePaths") or ()
        ),
        applications=tuple(paths.get("applications") or defaults.applications),
        disabled_applications=tuple(paths.get("disabledApplications") or defaults.disabled_applications),
        argocd=_argocd(data.get("argocd") or {}),
        charts=_charts(data.get("charts") or {}),
        chart_roots=_inside("paths.charts", paths.get("charts") or defaults.chart_roots, shown),
        exclude=tuple(paths.get("exclude") or defaults.exclude),
        cluster_storage_classes=tuple(cluster.get("storageClasses") or ()),
        cluster_namespaces=tuple(str(n) for n in cluster.get("namespaces") or ()),
        default_storage_class=cluster.get("defaultStorageClass"),
        storage_class_renames=dict((data.get("renames") or {}).get("storageClasses") or {}),
        cluster_secrets=tuple(cluster.get("secrets") or ()),
        kubernetes_version=str(data.get("kubernetesVersion") or defaults.kubernetes_version).lstrip("v"),
        cluster_nodes=tuple(cluster.get("nodes") or ()),
        cluster_priority_classes=tuple(cluster.get("priorityClasses") or ()),
        node_snapshots=_strings(nodes.get("snapshot")),
        node_arch=str(nodes.get("arch") or defaults.node_arch),
        ansible=_ansible(nodes.get("ansible") or {}),
        allow_tolerations=tuple((data.get("placement") or {}).get("allowTolerations") or ()),
    )


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)


def _ansible(data: Mapping[str, Any]) -> AnsibleNodes:
    defaults = AnsibleNodes()
    group_labels = data.get("groupLabels")
    return AnsibleNodes(
        enabled=bool(data.get("enabled", True)),
        host_vars=tuple(data.get("hostVars") or defaults.host_vars),
        group_vars=tuple(data.get("groupVars") or defaults.group_vars),
        hosts=tuple(data.get("hosts") or defaults.hosts),
        labels_variable=str(data.get("labelsVariable") or defaults.labels_variable),
        taints_variable=str(data.get("taintsVariable") or defaults.taints_variable),
        node_name_variable=str(data.get("nodeNameVariable") or defaults.node_name_variable),
        server_groups=_listed(data.get("serverGroups"), defaults.server_groups),
        agent_groups=_listed(data.get("agentGroups"), defaults.agent_groups),
        group_labels=(
            {str(g): {str(k): _label_value(v) for k, v in (labels or {}).items()} for g, labels in group_labels.items()}
            if group_labels is not None
            else defaults.group_labels
        ),
        configured=any(key in data for key in ("hostVars", "groupVars", "hosts")),
    )


def _charts(data: Mapping[str, Any]) -> ChartsConfig:
    cache_dir = data.get("cacheDir")
    if cache_dir is not None and (str(cache_dir).startswith(("/", "~")) or ".." in str(cache_dir).split("/")):
        raise LintError(
            "charts.cacheDir must be a path inside the repository (a cache elsewhere is set with the "
            "M0SH1_LINT_CACHE_DIR environment variable, which a repository cannot change)"
        )
    mirrors = tuple(
        Mirror(str(m["from"]), str(m["to"]), bool(m.get("plainHttp")), bool(m.get("insecureSkipTLSVerify")))
        for m in data.get("mirrors") or ()
    )
    return ChartsConfig(str(cache_dir) if cache_dir is not None else None, mirrors)


def _argocd(data: Mapping[str, Any]) -> ArgoConfig:
    defaults = ArgoConfig()
    clusters = tuple(
        ClusterConfig(
            str(entry["name"]),
            str(entry["server"]) if entry.get("server") else None,
            {str(k): str(v) for k, v in (entry.get("labels") or {}).items()},
            {str(k): str(v) for k, v in (entry.get("annotations") or {}).items()},
            tuple(str(r) for r in entry.get("roots") or ()),
        )
        for entry in data.get("clusters") or ()
    )
    return ArgoConfig(
        repo_urls=tuple(str(u) for u in data.get("repoURLs") or ()),
        roots=tuple(str(r) for r in data.get("roots") or ()),
        enable=tuple(str(n) for n in data.get("enable") or ()),
        disable=tuple(str(n) for n in data.get("disable") or ()),
        namespaces=_listed(data.get("namespaces"), defaults.namespaces),
        clusters=clusters,
    )


def _listed(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list from the config (an empty list stays empty), or the default when unset."""
    return default if value is None else tuple(str(v) for v in value)


def _label_value(value: Any) -> str:
    """Label values as Kubernetes stores them: YAML `true` is the string "true"."""
    return str(value).lower() if isinstance(value, bool) else str(value)
