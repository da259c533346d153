"""The one way to read a number out of repo data.

YAML from the repo can hold anything: `replicas: "²"` (str.isdigit() says yes, int() says no), a
5,000-digit integer (Python refuses to print it), `minAvailable: "nan%"`. These helpers accept
what Kubernetes accepts (ASCII digits, within int64) and return None for everything else, so a
check never crashes on a number.
"""

from __future__ import annotations

import math
import re

INT64_MAX = 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")  # ASCII only: `re.ASCII` is implied by the explicit class
_PERCENT = re.compile(r"([0-9]{1,19})(?:\.[0-9]{1,9})?%")


def as_int(value: object) -> int | None:
    """An integer as Kubernetes reads it (an int, or a string of ASCII digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -INT64_MAX - 1 <= value <= INT64_MAX else None
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
        return number if -INT64_MAX - 1 <= number <= INT64_MAX else None
    return None


def as_percent(value: object) -> float | None:
    """`"25%"` → 25.0; None for anything that is not a finite percentage of ASCII digits."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _PERCENT.fullmatch(text):
        return None
    number = float(text[:-1])
    return number if math.isfinite(number) else None


def is_int_text(value: object) -> bool:
    """A string that as_int reads as an integer."""
    return isinstance(value, str) and as_int(value) is not None
