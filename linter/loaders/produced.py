"""What a source deploys, as the graph walk hands it around: documents, and the Helm releases
that rendered some of them (turned into model records once the graph knows what is synced)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Chart, SourceKind, ValuesLayer, YamlDoc
from .helm.render import RenderedFile
from .kustomize import Included


@dataclass(frozen=True)
class Release:
    """One chart rendered for one Application source."""

    app_key: str
    chart: Chart = field(repr=False)
    release_name: str
    namespace: str
    layers: tuple[ValuesLayer, ...]  # chart values.yaml first, then the Application's layers
    subcharts: tuple[str, ...] = ()  # scopes of the dependencies that rendered (committed or fetched)


@dataclass
class Produced:
    """One document a source of an Application deploys."""

    doc: YamlDoc
    source: int  # index into the Application's sources
    namespace: str | None = None  # a kustomize namespace override, when one applies
    rendered: bool = False  # made by Helm or a generator, not a document of a repo file
    included: Included | None = None  # kustomize's edits to its identity
    kind: SourceKind = SourceKind.MANIFEST
    release: Release | None = None
    file: RenderedFile | None = None  # for rendered objects: the template that made it
