"""Which documents a sync never applies, decided as Argo CD's sync engine (gitops-engine,
`syncPhases`) decides: an object marked `argocd.argoproj.io/hook: Skip`, and a hook none of whose
types runs during a sync: Helm tests (`helm.sh/hook: test`), Helm's delete and rollback hooks,
Argo CD's `PostDelete`. Helm's install and upgrade hooks run as PreSync and PostSync hooks and
are applied; `crd-install` is no hook to Argo CD, but `helm template` never prints an object with
it (`helm_template_drops`). Facts and sources: docs/reference/argocd.md §13.4."""

from __future__ import annotations

from typing import Any

from ...model.shapes import as_dict, metadata

ARGO_HOOK = "argocd.argoproj.io/hook"
HELM_HOOK = "helm.sh/hook"
# the values of ARGO_HOOK Argo CD knows; with none of them, the Helm hook annotation decides
ARGO_TYPES = frozenset({"PreSync", "Sync", "PostSync", "SyncFail", "PostDelete", "PreDelete", "Skip"})
SYNC_TYPES = frozenset({"PreSync", "Sync", "PostSync", "SyncFail"})
# the hook events Helm knows (releaseutil's manifest sorter), compared lowercased
HELM_EVENTS = frozenset(
    {
        "pre-install",
        "post-install",
        "pre-delete",
        "post-delete",
        "pre-upgrade",
        "post-upgrade",
        "pre-rollback",
        "post-rollback",
        "test",
        "test-success",
    }
)
HELM_TYPES = {
    "pre-install": "PreSync",
    "pre-upgrade": "PreSync",
    "post-install": "PostSync",
    "post-upgrade": "PostSync",
}


def never_applied(data: Any) -> str | None:
    """Why a sync never applies this document (the annotation, quoted), or None when it does."""
    annotations = as_dict(metadata(data).get("annotations"))
    argo, helm = annotations.get(ARGO_HOOK), annotations.get(HELM_HOOK)
    if argo is None and (helm is None or str(helm) == "crd-install"):
        return None  # no hook: applied in the Sync phase
    types = _values(argo) & ARGO_TYPES or {HELM_TYPES[t] for t in _values(helm) if t in HELM_TYPES}
    if types & SYNC_TYPES:
        return None
    key, value = (ARGO_HOOK, argo) if argo is not None else (HELM_HOOK, helm)
    return f"`{key}: {value}`"


def is_helm_hook(data: Any) -> bool:
    """Whether Helm takes this rendered object for a hook (any `helm.sh/hook` annotation)."""
    return HELM_HOOK in as_dict(metadata(data).get("annotations"))


def helm_template_drops(data: Any) -> bool:
    """Whether `helm template` leaves this rendered object out: its `helm.sh/hook` names an event
    Helm does not know (`crd-install`, a typo), and Helm's manifest sorter skips such hooks."""
    if not is_helm_hook(data):
        return False
    events = str(as_dict(metadata(data).get("annotations"))[HELM_HOOK]).split(",")
    return any(part.strip().lower() not in HELM_EVENTS for part in events)


def _values(annotation: Any) -> set[str]:
    """An annotation's comma-separated values, trimmed (as gitops-engine's GetAnnotationCSVs)."""
    return {part.strip() for part in str(annotation).split(",") if part.strip()} if annotation is not None else set()
