"""Argo CD Applications as the repo declares them."""

from __future__ import annotations

from dataclasses import dataclass

from .resources import ValuesLayer
from .yamldoc import YamlDoc


@dataclass(frozen=True)
class HelmSource:
    chart_dir: str  # repo-relative chart directory
    release_name: str
    value_files: tuple[str, ...]  # repo-relative paths, in order
    values_layers: tuple[ValuesLayer, ...] = ()  # inline values/valuesObject/parameters, in order


@dataclass(frozen=True)
class DirectorySource:
    path: str
    recurse: bool = False
    include: str | None = None
    exclude: str | None = None


@dataclass(frozen=True)
class Application:
    """An Argo CD Application as the repo declares it."""

    name: str
    enabled: bool
    doc: YamlDoc
    namespace: str | None  # destination namespace
    helm: tuple[HelmSource, ...] = ()
    directories: tuple[DirectorySource, ...] = ()
    remote_sources: tuple[str, ...] = ()
