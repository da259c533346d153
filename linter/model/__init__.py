"""Immutable records the loaders produce and every later stage reads. Plain data: no I/O, no Helm.

The records live in small modules by subject; they are re-exported here so that stages import
`from ..model import Resource, Location`.
"""

from .apps import Application, ApplicationSet, ChartRef, DirectorySource, HelmSource, SourceInfo, SourceType
from .charts import Chart, Dependency
from .config import AnsibleNodes, ArgoConfig, ChartsConfig, ClusterConfig, Config, Mirror, PathIgnore
from .findings import Finding, Fix, Severity, Violation
from .nodes import Node, Taint
from .repo import DeclaredSecret, Fields, GitState, History, Problem, RepoModel, Suppression
from .resources import (
    CLUSTER_SCOPED_KINDS,
    IN_CLUSTER,
    LineRefs,
    Rendering,
    RenderOrigin,
    Resource,
    ResourceId,
    SourceKind,
    Template,
    UnrenderedChart,
    ValuesLayer,
    ValuesPath,
    Viewer,
)
from .rules import FAMILY_TITLES, Catalog, Rule, template_fields
from .yamldoc import Location, YamlDoc, YamlPath, format_path, get_path

__all__ = [
    "CLUSTER_SCOPED_KINDS",
    "FAMILY_TITLES",
    "IN_CLUSTER",
    "AnsibleNodes",
    "Application",
    "ApplicationSet",
    "ArgoConfig",
    "Catalog",
    "Chart",
    "ChartRef",
    "ChartsConfig",
    "ClusterConfig",
    "Config",
    "DeclaredSecret",
    "Dependency",
    "DirectorySource",
    "Fields",
    "Finding",
    "Fix",
    "GitState",
    "HelmSource",
    "History",
    "LineRefs",
    "Location",
    "Mirror",
    "Node",
    "PathIgnore",
    "Problem",
    "RenderOrigin",
    "Rendering",
    "RepoModel",
    "Resource",
    "ResourceId",
    "Rule",
    "Severity",
    "SourceInfo",
    "SourceKind",
    "SourceType",
    "Suppression",
    "Taint",
    "Template",
    "UnrenderedChart",
    "ValuesLayer",
    "ValuesPath",
    "Viewer",
    "Violation",
    "YamlDoc",
    "YamlPath",
    "format_path",
    "get_path",
    "template_fields",
]
