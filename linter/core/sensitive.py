"""Values that must never be printed: those under keys that name a credential.

Helm's error messages quote values (a `values.schema.json` `pattern` failure prints the value, a
`fail` or `required` message may include one), and a `--diff` shows the lines around a fix. Any
value under a key that looks like a credential is replaced by `***` there. Keys that hold the
*name* of a Secret (`existingSecret`, `secretName`) are not credentials and stay readable."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

_CREDENTIAL_KEY = re.compile(
    r"(pass(word|wd|phrase)?|token|api[-_]?key|secret[-_]?key|private[-_]?key|client[-_]?secret"
    r"|access[-_]?key|credentials?|^secret$|^auth$|htpasswd|dsn|connection[-_]?string)$",
    re.IGNORECASE,
)
MASK = "***"
MIN_MASKED = 4  # shorter values ("", "no", "x") are too common to mask without hiding words


def is_credential_key(key: object) -> bool:
    return isinstance(key, str) and bool(_CREDENTIAL_KEY.search(key))


def credential_values(*trees: Any) -> set[str]:
    """Every string (or number) under a credential key, anywhere in these values trees."""
    found: set[str] = set()
    for tree in trees:
        found.update(_walk(tree, credential=False))
    return {value for value in found if len(value) >= MIN_MASKED}


def _walk(node: Any, credential: bool) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, credential or is_credential_key(key))
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, credential)
    elif credential and isinstance(node, (str, int, float)) and not isinstance(node, bool):
        yield str(node)


def mask(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of the values replaced by `***` (longest first)."""
    for value in sorted(set(values), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
