"""The linter's own rules (LN): suppressions that match nothing, lack a reason, or expired, and
a check that failed on this repository's input (a bug, reported instead of a traceback).

They depend on what every other rule found, so the engine computes them after the other checks
(engine.run); these registry entries give the rules their parameter schema and fields.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..findings import Violation
from ..inventory import Inventory
from .base import Check

NO_PARAMS = {"type": "object", "additionalProperties": False, "properties": {}}


def _computed_by_engine(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    return iter(())


CHECKS = [
    Check("suppression-unused", _computed_by_engine, NO_PARAMS, frozenset({"rules"})),
    Check("suppression-unexplained", _computed_by_engine, NO_PARAMS, frozenset({"rules"})),
    Check("suppression-expired", _computed_by_engine, NO_PARAMS, frozenset({"rules", "expires"})),
    Check("check-crashed", _computed_by_engine, NO_PARAMS, frozenset({"rule", "error"})),
]
