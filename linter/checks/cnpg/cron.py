"""Cron schedules as CloudNativePG reads them (robfig/cron v1.2.0: six fields, seconds first, or a
descriptor), and plain words for the simple ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ...core.suggest import close_matches
from ..wording import alternatives, scalar

DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")  # Go time.ParseDuration
_NUMBER = re.compile(r"^[0-9]+$")  # ASCII digits only (str.isdigit() also takes "²")
_ANY = ("*", "?")


def _small(value: str) -> bool:
    """A plain number short enough to convert (a 5,000-digit field is out of range anyway)."""
    return bool(_NUMBER.match(value)) and len(value) <= 9


def _describe(fields: Sequence[str]) -> str | None:
    second, minute, hour, dom, month, dow = fields
    """Plain words for the simple cases (fixed time, every day); None otherwise."""
    if not (all(f in _ANY for f in (dom, month, dow)) and _small(second) and _small(minute)):
        return None
    at_second = f" and second {int(second)}" if int(second) else ""
    if hour == "*":
        return f"every hour at minute {int(minute)}{at_second}"
    if _small(hour):
        clock = f"{int(hour):02d}:{int(minute):02d}" + (f":{int(second):02d}" if int(second) else "")
        return f"daily at {clock}"
    return None


# Ranges of robfig/cron's fields, seconds first (day-of-week is optional there).
_RANGES = (
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
)


def _out_of_range(fields: list[str]) -> str | None:
    """The first plain number outside its field's range, e.g. "`0` is not a valid month"."""
    for value, (label, low, high) in zip(fields, _RANGES, strict=False):
        if _NUMBER.match(value) and (len(value) > 9 or not low <= int(value) <= high):
            return f"`{value}` is not a valid {label}"
    return None


def schedule_problem(schedule: Any) -> tuple[str, str, tuple[str, ...]] | None:
    """(problem, fix, suggestions) for a schedule robfig/cron v1.2.0 misreads or rejects."""
    text = scalar(schedule).strip()
    fields = text.split()
    if text.startswith("@"):
        if text in DESCRIPTORS or (fields[0] == "@every" and len(fields) == 2 and _DURATION.match(fields[1])):
            return None
        return (
            f"has `schedule` `{text}`, which is not a cron descriptor CNPG knows",
            f"Use one of {alternatives(DESCRIPTORS)}, `@every <duration>`, or six cron fields starting with seconds",
            close_matches(text, DESCRIPTORS),
        )
    if len(fields) == 6:
        return None
    if len(fields) == 5:
        meant = "0 " + text
        misread = _describe([*fields, "*"])
        intended = _describe(["0", *fields])
        invalid = _out_of_range(fields)
        if invalid:
            runs = f"it does not parse ({invalid})"
        elif misread:
            runs = f"it runs {misread}" + (f", not {intended}" if intended else "")
        else:
            runs = (
                f"it means second `{fields[0]}`, minute `{fields[1]}`, hour `{fields[2]}`, day `{fields[3]}`, "
                f"month `{fields[4]}`"
            )
        return (
            f"has a 5-field `schedule` `{text}`: CNPG reads the first field as seconds, so {runs}",
            f"Prepend a seconds field: `{meant}`",
            (meant,),
        )
    return (
        (
            f"has `schedule` `{text}` with {len(fields)} fields; CNPG accepts 6 (seconds first) or a descriptor "
            "such as `@daily`"
        ),
        "Write six fields, `second minute hour day-of-month month day-of-week`, e.g. `0 0 2 * * *` for daily at 02:00",
        (),
    )
