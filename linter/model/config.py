"""The configuration as typed records (read and validated by loaders/config.py).

Zero config must work on any layout: the application graph comes from the repo's content, and
the path settings are overrides, never prerequisites.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
    host_vars: tuple[str, ...] = tuple(
        f"ansible/inventory/host_vars/{p}" for p in ("*.yaml", "*.yml", "*/*.yaml", "*/*.yml")
    )
    group_vars: tuple[str, ...] = tuple(
        f"ansible/inventory/group_vars/{p}" for p in ("*.yaml", "*.yml", "*/*.yaml", "*/*.yml")
    )
    hosts: tuple[str, ...] = tuple(f"ansible/inventory/{p}" for p in ("hosts.yaml", "hosts.yml", "hosts.ini", "hosts"))
    labels_variable: str = "k3s_node_labels"
    taints_variable: str = "k3s_node_taints"
    node_name_variable: str = "k3s_node_name"
    server_groups: tuple[str, ...] = ("k3s_control_plane", "k3s_server", "server")
    agent_groups: tuple[str, ...] = ("k3s_workers", "k3s_agent", "agent")
    group_labels: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: {"k3s_workers": {"node-role.kubernetes.io/worker": "true"}}
    )
    configured: bool = False  # paths set in the config: files they name must exist


@dataclass(frozen=True)
class ClusterConfig:
    """A cluster Applications deploy to (config `argocd.clusters`)."""

    name: str
    server: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    roots: tuple[str, ...] = ()  # globs of root Application files applied to this cluster


@dataclass(frozen=True)
class ArgoConfig:
    """How Argo CD reads the repository (config `argocd`); all optional."""

    repo_urls: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ("argocd",)
    clusters: tuple[ClusterConfig, ...] = ()


@dataclass(frozen=True)
class Mirror:
    """Charts from repositories whose URL starts with `source` are fetched from `target` instead."""

    source: str
    target: str
    plain_http: bool = False
    insecure_skip_tls_verify: bool = False


@dataclass(frozen=True)
class ChartsConfig:
    """Where charts come from (config `charts`): a cache directory inside the repository, mirrors."""

    cache_dir: str | None = None  # repo-relative; absolute locations only from M0SH1_LINT_CACHE_DIR
    mirrors: tuple[Mirror, ...] = ()


@dataclass(frozen=True)
class Config:
    source: str | None = None  # the file it came from, for messages
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    rule_dirs: tuple[Path, ...] = ()
    ignore_paths: tuple[PathIgnore, ...] = ()
    applications: tuple[str, ...] = ()  # overrides: files whose Applications are synced
    disabled_applications: tuple[str, ...] = ()  # overrides: files whose Applications are not
    argocd: ArgoConfig = field(default_factory=ArgoConfig)
    charts: ChartsConfig = field(default_factory=ChartsConfig)
    chart_roots: tuple[str, ...] = ("",)  # "": the whole repository
    exclude: tuple[str, ...] = (".*", "node_modules", "venv", "__pycache__")
    cluster_storage_classes: tuple[str, ...] = ()
    cluster_namespaces: tuple[str, ...] = ()  # namespaces made outside git (AR011)
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
