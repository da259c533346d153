"""Loading problems (LD, AR) as findings: the loaders recorded them, this check reports them."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..findings import Violation
from ..inventory import Inventory
from .base import Check


def check_problems(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    code = params["problem"]
    for problem in inventory.model.problems:
        if problem.rule == code:
            yield Violation(problem.location, dict(problem.fields))


PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["problem"],
    "properties": {"problem": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{3}$"}},
}
# Loader problems carry varying fields; each LD/AR rule uses the ones its loader sets.
FIELDS = frozenset({"reason", "key", "first_line", "app", "path", "file", "chart", "repo", "fields"})

CHECKS = [Check("loading-problem", check_problems, PARAMS, FIELDS)]
