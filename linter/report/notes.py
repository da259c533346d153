"""Notes printed beside the findings (stderr), kept free of rich: every run asks for them."""

from __future__ import annotations

from ..checks.wording import count
from ..model import RepoModel


def nothing_deployed(model: RepoModel) -> str | None:
    """A note when the graph is empty: a clean result then means nothing was checked, not that
    nothing is wrong (a root that only a remote chart's values define stays unseen offline)."""
    if model.applications or model.applicationsets:
        return None
    note = "m0sh1-lint: no Argo CD Application or ApplicationSet was found, so only committed manifests were checked"
    if not model.charts:
        return note
    return (
        f"{note} and no chart was rendered ({count(len(model.charts), 'chart')} that nothing deploys); if a chart "
        "makes your Applications, its dependencies must be in the chart cache (`m0sh1-lint charts pull`)"
    )
