"""What every check is: a pure function over the views, with typed parameters and declared fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..model import Violation
from ..views import Views

P = TypeVar("P")


@dataclass(frozen=True)
class NoParams:
    """A check without parameters."""


@dataclass(frozen=True)
class Check(Generic[P]):
    """A pure function `(views, params) -> violations`.

    `params` is the dataclass its rules' `params:` are parsed into (catalog/params.py derives the
    JSON Schema from it); `fields` are the names the violations carry, which rule messages and
    hints may use (a rule using another name fails at load); `fixes` says whether its violations
    may propose a fix (a rule may be `fixable: true` only then, and fixes of rules that are not
    fixable are dropped).
    """

    name: str
    run: Callable[[Views, P], Iterable[Violation]]
    params: type[P]
    fields: frozenset[str]
    summary: str
    fixes: bool = False
    template: bool = False  # a generic template rules parameterise (field, reference)

    def __call__(self, views: Views, params: Any) -> Iterable[Violation]:
        return self.run(views, params)


AnyCheck = Check[Any]  # a registry holds checks of every parameter type
