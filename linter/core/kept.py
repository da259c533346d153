"""Results kept from one run to the next: a value that depends only on its inputs, computed once
and then read back by a key that names all of them (the chart cache's renders/ holds them).

One implementation for every such result (template scans, ApplicationSet Go-template renders,
schema validations): look up the key, accept what `decode` recognises, else compute and store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class ResultStore(Protocol):
    """Where kept results live (the chart cache)."""

    def render(self, key: str) -> Any: ...

    def store_render(self, key: str, result: Any) -> None: ...


def kept(
    store: ResultStore | None,
    key: str | None,
    compute: Callable[[], T],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T | None],
) -> T:
    """compute(), or what an earlier run kept under `key` (None: not kept, as without a store).
    `decode` returns None for anything that is not a value `encode` made (a damaged entry)."""
    if store is None or key is None:
        return compute()
    known = decode(store.render(key))
    if known is not None:
        return known
    value = compute()
    store.store_render(key, encode(value))
    return value
