"""A template's rendered text, cut into manifests where Helm cuts it.

Helm splits each rendered template with `(?:^|\\s*\\n)---\\s*` (releaseutil.SplitManifests):
every line that starts with `---` ends a manifest, whatever follows on that line. YAML ends a
document only at a `---` followed by a space or the line's end. The two differ when a template
writes `---` and then `{{- if … -}}` trims the newlines around it: `---# comment` or
`---apiVersion: v1`. Helm (and so Argo CD) starts a new manifest there; YAML reads a key.
"""

from __future__ import annotations

import re

_GLUED = re.compile(r"^---[ \t]*(?=\S)", re.MULTILINE)  # something on a separator's own line


def as_helm_cuts(text: str) -> str:
    """`text` with what is glued to a `---` moved to a line of its own, so that YAML's document
    markers fall where Helm's manifest boundaries do. Everything after is one line lower: the
    rendered text is only ever read through this form (parsing, and aligning to the template)."""
    return _GLUED.sub("---\n", text)
