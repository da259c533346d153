"""What every check is, and small helpers checks share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from ..findings import Violation
from ..inventory import Inventory
from ..objpath import POD_SPECS, expand_path, kind_matches, parse_path

CheckFunction = Callable[[Inventory, Mapping[str, Any]], Iterable[Violation]]


@dataclass(frozen=True)
class Check:
    """A pure function over the inventory, the JSON Schema of its params, and the template
    fields its violations carry (rule messages and hints may use only these)."""

    name: str
    run: CheckFunction
    params_schema: Mapping[str, Any]
    fields: frozenset[str]



__all__ = ["POD_SPECS", "Check", "CheckFunction", "expand_path", "kind_matches", "parse_path"]
