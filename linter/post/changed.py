"""`--changed`: keep the findings a change can have caused, while the inventory stays whole-repo.

A finding is kept when its own file changed, when one of its related files changed (a
SealedSecret for the workloads that read it, a StorageClass for its users, the files that make a
chart need a bump), or when a file its object is rendered from changed (template, values).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..inventory import Inventory
from ..model import Finding


def keep_changed(findings: Iterable[Finding], changed: set[str], inventory: Inventory) -> list[Finding]:
    kept = []
    for finding in findings:
        touched = {finding.location.path, *finding.related}
        if finding.resource is not None:
            touched |= inventory.object_files.get(finding.resource, frozenset())
        if touched & changed:
            kept.append(finding)
    return kept
