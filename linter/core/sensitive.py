"""Values that must never be printed: those under keys that name a credential.

Helm's error messages quote values (a `values.schema.json` `pattern` failure prints the value, a
`fail` or `required` message may include one), and a `--diff` shows the lines around a fix. Any
value under a key that looks like a credential is replaced by `***` there. Keys that hold the
*name* of a Secret (`existingSecret`, `secretName`) are not credentials and stay readable."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")  # camelCase, snake_case and kebab-case words
_LAST_WORDS = frozenset({"password", "passwd", "passphrase", "pass", "token", "secret", "credential", "credentials"})
_LAST_WORDS |= {"htpasswd", "dsn", "apikey", "secretkey", "privatekey", "accesskey"}
_LAST_PAIRS = frozenset(
    {("api", "key"), ("secret", "key"), ("private", "key"), ("access", "key"), ("connection", "string")}
)
_NAMING = frozenset({"existing", "name", "ref"})  # existingSecret, secretName: a Secret's name, not a value
MASK = "***"
MIN_MASKED = 4  # shorter values ("", "no", "x") are too common to mask without hiding words


def is_credential_key(key: object) -> bool:
    """`password`, `dbPassword`, `api_key`, `client-secret`, `auth.token`; not `bypass`,
    `existingSecret` or `tokenTTL`."""
    if not isinstance(key, str):
        return False
    words = [w.lower() for w in _WORD.findall(key)]
    if not words or (words[-1] not in _LAST_WORDS and tuple(words[-2:]) not in _LAST_PAIRS):
        return False
    return not (len(words) > 1 and words[-2] in _NAMING)


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
