"""`m0sh1-lint inventory secrets`: the per-Secret audit table (producer, keys, referrers, status)
that a migration checklist otherwise builds by hand, from the inventory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..views import SecretRef, Views
from .escape import printable


@dataclass(frozen=True)
class Row:
    namespace: str
    name: str
    producers: tuple[str, ...]
    keys: tuple[str, ...] | None
    referenced_by: tuple[str, ...]
    status: str


def rows(views: Views, namespace: str | None = None) -> list[Row]:
    """One row per Secret that is produced or referenced; status says what is wrong with it."""
    inventory = views.inventory
    refs_by_secret: dict[tuple[str | None, str], list[SecretRef]] = {}
    for ref in views.secret_refs:
        refs_by_secret.setdefault((ref.namespace, ref.name), []).append(ref)
    out = []
    for key in sorted(set(inventory.secrets) | set(refs_by_secret), key=lambda k: (str(k[0]), k[1])):
        ns, name = key
        if namespace is not None and ns != namespace:
            continue
        secrets = inventory.secrets.get(key, ())
        deployed = [s for s in secrets if s.deployed]
        refs = refs_by_secret.get(key, [])
        keys = (
            None
            if any(s.keys is None for s in deployed)
            else tuple(sorted(set().union(*(s.keys or () for s in deployed))))
        )
        needed = {k for ref in refs for k in ref.keys}
        if refs and not deployed:
            status = "missing" if not secrets else "not deployed"
        elif keys is not None and needed - set(keys):
            status = "missing keys: " + ", ".join(sorted(needed - set(keys)))
        elif not refs:
            handmade = any(s.producer in ("sealed-secret", "secret", "config", "terraform") for s in deployed)
            status = ("unused" if handmade else "generated") if deployed else "not deployed"
        else:
            status = "ok"
        producers = tuple(sorted({s.where + ("" if s.deployed else " (not deployed)") for s in secrets}))
        places = sorted({(r.location.path, r.location.line) for r in refs})
        referenced = tuple(f"{path}:{line}" for path, line in places)
        out.append(Row(ns or "", name, producers, keys, referenced, status))
    return out


def render_text(table_rows: list[Row], stream: IO[str], color: bool | None) -> None:
    console = Console(
        file=stream,
        no_color=color is False,
        force_terminal=None if color is None else color,
        highlight=False,
        soft_wrap=False,
        width=240,
        emoji=False,
    )
    table = Table("namespace", "name", "producer", "keys", "referenced by", "status", box=None, pad_edge=False)
    for row in table_rows:
        keys = "(any)" if row.keys is None else ", ".join(row.keys) or "-"
        style = "green" if row.status == "ok" else "yellow" if row.status in ("unused", "not deployed") else "red"
        cells = (
            printable(row.namespace),
            printable(row.name),
            _lines(row.producers),
            printable(keys),
            _lines(row.referenced_by),
            row.status,
        )
        table.add_row(*(Text(cell) for cell in cells), style=None if color is False else style)  # Text: not markup
    console.print(table)


def _lines(items: tuple[str, ...]) -> str:
    """One item per line of the cell; each made printable first, so the breaks stay real."""
    return "\n".join(printable(item) for item in items) or "-"


def render_json(table_rows: list[Row]) -> str:
    items = [
        {
            "namespace": r.namespace,
            "name": r.name,
            "producers": list(r.producers),
            "keys": None if r.keys is None else list(r.keys),
            "referencedBy": list(r.referenced_by),
            "status": r.status,
        }
        for r in table_rows
    ]
    return json.dumps({"secrets": items}, indent=2) + "\n"
