"""Read suppressions out of the repo: inline comments and resource annotations.

Inline, on the offending line or the line before it, in any file (values, templates, manifests):

    storageClass: legacy-class  # m0sh1-lint: disable=SC001 -- migrated in Q3
    {{/* m0sh1-lint: disable=SC003,SC001 -- kept for the old cluster */}}

On a resource: `metadata.annotations["m0sh1-lint.io/ignore"]: "SC001,SS001 -- reason"`.
post/suppress.py applies them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Location, Resource, Suppression
from ..model.shapes import annotations_of

ANNOTATION = "m0sh1-lint.io/ignore"
_INLINE = re.compile(r"m0sh1-lint:\s*disable=([A-Za-z0-9_,\s-]+?)(?:\s+--\s*(.*?))?\s*(?:\*/\s*-?\}\}.*)?$")


def _split(spec: str) -> tuple[tuple[str, ...], str]:
    rules, _, reason = spec.partition("--")
    return tuple(r.strip() for r in rules.split(",") if r.strip()), reason.strip()


def scan_text(path: str, text: str) -> list[Suppression]:
    """Inline suppressions in one file (cheap when the marker is absent)."""
    if "m0sh1-lint:" not in text:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _INLINE.search(line)
        if match:
            rules = tuple(r.strip() for r in match.group(1).split(",") if r.strip())
            found.append(Suppression(Location(path, number, match.start() + 1), rules, (match.group(2) or "").strip()))
    return found


def from_annotations(resources: Iterable[Resource]) -> list[Suppression]:
    found = []
    for resource in resources:
        value = annotations_of(resource.data).get(ANNOTATION)
        if isinstance(value, str):
            rules, reason = _split(value)
            location = resource.doc.location(("metadata", "annotations", ANNOTATION))
            found.append(Suppression(location, rules, reason, resource.id))
    return found
