"""Loading problems (LD, AR, NP012) as findings: the loaders recorded them, this check reports them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..model import Violation
from ..views import Views
from .base import AnyCheck, Check


@dataclass(frozen=True)
class ProblemParams:
    problem: str = field(
        metadata={
            "doc": "The id loaders record the problem under (usually the rule's own).",
            "schema": {"pattern": "^[A-Z]{2}[0-9]{3}$"},
        }
    )


def check_problems(views: Views, params: ProblemParams) -> Iterator[Violation]:
    for problem in views.inventory.model.problems:
        if problem.rule == params.problem:
            yield Violation(problem.location, dict(problem.fields))


# Loader problems carry varying fields; each LD/AR rule uses the ones its loader sets.
FIELDS = frozenset(
    {
        "reason",
        "key",
        "first_line",
        "app",
        "path",
        "file",
        "chart",
        "repo",
        "fields",
        "ref",
        "object",
        "other",
        "field",
        "pattern",
        "child",
        "project",
        "projects",
        "namespace",
        "kind",
        "version",
        "parent",
        "offline",
        "others",
        "fix",
    }
)

CHECKS: list[AnyCheck] = [
    Check(
        "loading-problem",
        check_problems,
        ProblemParams,
        FIELDS,
        "Problems the loaders met: unparsable YAML, unrenderable charts, broken Applications.",
    )
]
