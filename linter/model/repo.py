"""The whole repository as loaded: Applications, charts, renderings, objects, problems, git state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .apps import Application, ApplicationSet
from .charts import Chart
from .nodes import Node
from .resources import Rendering, Resource, ResourceId, UnrenderedChart
from .yamldoc import Location

Fields = Mapping[str, object]  # the values a finding's message and hint templates may use


@dataclass(frozen=True)
class Problem:
    """A loading problem: becomes an LD/AR finding; the run goes on."""

    rule: str
    location: Location
    fields: Fields = field(default_factory=dict)


@dataclass(frozen=True)
class Suppression:
    """An inline `# m0sh1-lint: disable=...` comment or an `m0sh1-lint.io/ignore` annotation."""

    location: Location
    rules: tuple[str, ...]  # ids, names or family prefixes
    reason: str
    resource: ResourceId | None = None  # set for annotation suppressions


@dataclass(frozen=True)
class DeclaredSecret:
    """A Secret made outside Argo CD that the repository says exists: an entry of the config's
    `cluster.secrets`, or a Terraform `kubernetes_secret` in the repo (loaders/terraform.py)."""

    namespace: str
    name: str
    keys: frozenset[str] | None  # None: any key
    origin: str  # how a message names its maker ("terraform kubernetes_secret `x`")
    location: Location | None = None  # None for the config's entries


@dataclass(frozen=True)
class GitState:
    """The comparison base and what differs from it.

    `mode` is "base" (merge base with --base REF vs the working tree), "staged" (HEAD vs the
    index, in a pre-commit run) or "worktree" (HEAD vs the working tree).
    """

    mode: str
    base: str  # a commit id
    described: str  # how messages name the base ("origin/main (merge base 1a2b3c4)")
    changed: tuple[str, ...]  # repo-relative paths that differ from the base (added, modified, deleted)


@dataclass(frozen=True)
class History:
    """Git's view for the CH rules: the state, and the parsed base and current documents of the
    files they compare (None: the file is absent or not YAML)."""

    state: GitState | None
    error: str | None = None
    old_data: Mapping[str, Any] = field(default_factory=dict)
    new_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RepoModel:
    root: Path
    applications: tuple[Application, ...]
    charts: tuple[Chart, ...]
    renderings: tuple[Rendering, ...]
    resources: tuple[Resource, ...]
    problems: tuple[Problem, ...]
    kustomizations: tuple[str, ...]  # every kustomization file an Application builds
    suppressions: tuple[Suppression, ...] = ()  # inline comments and resource annotations
    nodes: tuple[Node, ...] = ()  # the node inventory (loaders/nodes.py); empty when none is described
    applicationsets: tuple[ApplicationSet, ...] = ()
    # charts Applications name that could not be had (LD010), or sources in another repository (AR012)
    unrendered: tuple[UnrenderedChart, ...] = ()
    declared_secrets: tuple[DeclaredSecret, ...] = ()  # made outside Argo CD, by the repo's Terraform
