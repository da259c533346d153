"""The linter's own rules (LN): suppressions that match nothing, lack a reason, or expired, and
a check that failed on this repository's input (a bug, reported instead of a traceback).

They depend on what every other rule found, so the runner computes them after the other checks
(checks/runner.py); these entries give the rules their fields.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Violation
from ..views import Views
from .base import AnyCheck, Check, NoParams


def _computed_by_runner(views: Views, params: NoParams) -> Iterator[Violation]:
    return iter(())


CHECKS: list[AnyCheck] = [
    Check(
        "suppression-unused", _computed_by_runner, NoParams, frozenset({"rules"}), "Suppressions that match no finding."
    ),
    Check(
        "suppression-unexplained", _computed_by_runner, NoParams, frozenset({"rules"}), "Suppressions without a reason."
    ),
    Check(
        "suppression-expired",
        _computed_by_runner,
        NoParams,
        frozenset({"rules", "expires"}),
        "Config ignores past their expiry date.",
    ),
    Check(
        "check-crashed",
        _computed_by_runner,
        NoParams,
        frozenset({"rule", "error"}),
        "A check that failed on this repository's input.",
    ),
]
