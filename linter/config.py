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
    apps: tuple[str, ...] = ()  # Argo CD Application names whose files it covers
    expires: str | None = None  # ISO date after which it no longer applies (LN003)


@dataclass(frozen=True)
class AnsibleNodes:
    """Where an Ansible inventory declares k3s nodes (see loaders/nodes.py)."""

    enabled: bool = True
    host_vars: tuple[str, ...] = tuple(f"ansible/inventory/host_vars/{p}" for p in ("*.yaml", "*.yml", "*/*.yaml", "*/*.yml"))
    group_vars: tuple[str, ...] = tuple(f"ansible/inventory/group_vars/{p}" for p in ("*.yaml", "*.yml", "*/*.yaml", "*/*.yml"))
    hosts: tuple[str, ...] = tuple(f"ansible/inventory/{p}" for p in ("hosts.yaml", "hosts.yml", "hosts.ini", "hosts"))
    labels_variable: str = "k3s_node_labels"
    taints_variable: str = "k3s_node_taints"
    node_name_variable: str = "k3s_node_name"
    server_groups: tuple[str, ...] = ("k3s_control_plane", "k3s_server", "server")
    agent_groups: tuple[str, ...] = ("k3s_workers", "k3s_agent", "agent")
    group_labels: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: {"k3s_workers": {"node-role.kubernetes.io/worker": "true"}})
    configured: bool = False  # paths set in the config: files they name must exist


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
    # node placement (NP): nodes the cluster has, where else they are declared, policy
    cluster_nodes: tuple[Mapping[str, Any], ...] = ()  # {name, labels?, taints?, controlPlane?}
    cluster_priority_classes: tuple[str, ...] = ()
    node_snapshots: tuple[str, ...] = ()
    node_arch: str = "amd64"
    ansible: AnsibleNodes = field(default_factory=AnsibleNodes)
    allow_tolerations: tuple[Mapping[str, Any], ...] = ()


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
    nodes = data.get("nodes") or {}
    defaults = Config()
    return Config(
        source=shown,
        select=tuple(data.get("select") or ()),
        ignore=tuple(data.get("ignore") or ()),
        severity=dict(data.get("severity") or {}),
        rule_dirs=tuple((base / d) for d in data.get("ruleDirs") or ()),
        ignore_paths=tuple(
            PathIgnore(tuple(item.get("paths") or ()), tuple(item.get("rules") or ()), item["reason"],
                       tuple(item.get("apps") or ()), str(item["expires"]) if item.get("expires") else None)
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
        server_groups=tuple(data.get("serverGroups") if data.get("serverGroups") is not None else defaults.server_groups),
        agent_groups=tuple(data.get("agentGroups") if data.get("agentGroups") is not None else defaults.agent_groups),
        group_labels=({str(g): {str(k): _label_value(v) for k, v in (labels or {}).items()} for g, labels in group_labels.items()}
                      if group_labels is not None else defaults.group_labels),
        configured=any(key in data for key in ("hostVars", "groupVars", "hosts")),
    )


def _label_value(value: Any) -> str:
    """Label values as Kubernetes stores them: YAML `true` is the string "true"."""
    return str(value).lower() if isinstance(value, bool) else str(value)
