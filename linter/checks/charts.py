"""Helm chart versions (CH): bumps on change (git), SemVer validity, pitfalls, Chart.lock sync."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.globs import helmignored
from ..core.semver import Version, bump, coerce, parse, parse_constraint, pitfall
from ..inventory import Inventory
from ..model import Chart, Fix, Violation
from ..model.shapes import as_dict
from ..views import Views
from .base import AnyCheck, Check, NoParams

DEFAULT_IGNORE = ("README*", "*.md", "docs/**", "ci/**", "templates/NOTES.txt", ".helmignore", "LICENSE*", "OWNERS")
# Chart.yaml fields whose change changes what gets deployed
BEHAVIOURAL_CHART_FIELDS = ("dependencies", "appVersion", "kubeVersion", "type")


def _leaf_changes(old: Any, new: Any, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Dotted paths of values that differ between two values documents."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            yield from _leaf_changes(old.get(key), new.get(key), (*prefix, str(key)))
    elif old != new:
        yield ".".join(prefix) or "(document)"


@dataclass(frozen=True)
class BumpParams:
    report: Literal["not-bumped", "pitfall"] = field(
        default="not-bumped",
        metadata={"doc": "Report charts changed without a higher version, or bumps that sort lower (SemVer pitfalls)."},
    )
    ignore_files: tuple[str, ...] = field(
        default=DEFAULT_IGNORE, metadata={"doc": "Globs (relative to the chart) whose changes need no bump."}
    )
    ignore_value_paths: tuple[str, ...] = field(
        default=(),
        metadata={"doc": "Dotted value paths (fnmatch) whose change alone needs no bump, e.g. `*.image.tag`."},
    )


def _behavioural(chart: Chart, inventory: Inventory, path: str, params: BumpParams) -> bool:
    """Does this changed file change what the chart deploys?"""
    history = inventory.history
    assert history is not None
    inner = path[len(chart.dir) + 1 :] if path.startswith(chart.dir + "/") else None
    ignore = params.ignore_files
    if inner is not None and any(
        fnmatch.fnmatchcase(inner, g) or fnmatch.fnmatchcase(inner.rsplit("/", 1)[-1], g) for g in ignore
    ):
        return False
    if inner is not None and helmignored(inner, list(chart.helmignore)):
        return False  # Helm never packages it, so it cannot change what the chart deploys
    if inner == "Chart.yaml":
        old = as_dict(history.old_data.get(path))
        new = chart.chart_doc.data if isinstance(chart.chart_doc.data, dict) else {}
        return any(old.get(f) != new.get(f) for f in BEHAVIOURAL_CHART_FIELDS)
    if path.endswith((".yaml", ".yml")) and (inner is None or ("/" not in inner and inner.startswith("values"))):
        value_ignores = params.ignore_value_paths
        if value_ignores:
            changes = list(_leaf_changes(history.old_data.get(path), history.new_data.get(path)))
            return any(not any(fnmatch.fnmatchcase(c, pattern) for pattern in value_ignores) for c in changes)
    return True


def _external_value_files(inventory: Inventory) -> dict[str, set[str]]:
    """Chart directory → value files outside it that Applications give it."""
    out: dict[str, set[str]] = {}
    for app in inventory.model.applications:
        for source in app.helm:
            outside = {p for p in source.value_files if not p.startswith(source.chart_dir + "/")}
            out.setdefault(source.chart_dir, set()).update(outside)
    return out


def _version_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def check_bump(views: Views, params: BumpParams) -> Iterator[Violation]:
    """Charts whose behaviour changed since the base without a higher version (CH001/CH003)."""
    inventory = views.inventory
    history = inventory.history
    if history is None or history.state is None:
        return
    want = params.report
    changed = set(history.state.changed)
    external = _external_value_files(inventory)
    for chart in inventory.model.charts:
        chart_path = f"{chart.dir}/Chart.yaml"
        old_meta = history.old_data.get(chart_path)
        if not isinstance(old_meta, dict):
            continue  # a new chart (or one unreadable at the base): nothing to compare with
        candidates = sorted(p for p in changed if p.startswith(chart.dir + "/")) + sorted(
            changed & external.get(chart.dir, set())
        )
        reasons = [p for p in candidates if _behavioural(chart, inventory, p, params)]
        old_text, new_text = _version_text(old_meta.get("version")), _version_text(chart.version)
        old_v, new_v = coerce(old_text or ""), coerce(new_text or "")
        if old_v is None or new_v is None or new_v.key() > old_v.key():
            continue  # CH002 reports unparsable versions
        # a version that went down is a mistake even when nothing else changed (a bad rebase, a
        # revert of the bump alone): Argo CD and chart repositories then see an older chart
        lowered = not reasons and chart_path in changed and new_v.key() < old_v.key()
        if not reasons and not lowered:
            continue
        trap = pitfall(old_v, new_v) or (
            "nothing else in the chart changed, so it is a step back, not a bump" if lowered else None
        )
        if (want == "pitfall") != (trap is not None):
            continue
        suggested = _next(old_v, new_v)
        shown = ", ".join(p[len(chart.dir) + 1 :] if p.startswith(chart.dir + "/") else p for p in reasons[:3])
        reasons = reasons or [chart_path]
        more = f" and {len(reasons) - 3} more" if len(reasons) > 3 else ""
        fields = {
            "chart": chart.name,
            "old": old_text,
            "new": new_text,
            "files": shown + more,
            "base": history.state.described,
            "next": str(suggested),
            "why": trap or "",
            "change": f"its version stays `{new_text}`"
            if new_text == old_text
            else f"its version went from `{old_text}` to `{new_text}`, which is not higher",
        }
        location = chart.chart_doc.location(("version",))
        fix = Fix(chart_path, location.line, str(new_text), str(suggested), ("version",))
        yield Violation(location, fields, None, (str(suggested),), fix, related=tuple(reasons))


def _next(old: Version, new: Version) -> Version:
    """A bump of the base version in the repo's convention, above whatever is there now."""
    candidate = bump(old)
    while candidate.key() <= new.key():
        candidate = bump(candidate)
    return candidate


def check_version_format(views: Views, params: NoParams) -> Iterator[Violation]:
    for chart in views.inventory.model.charts:
        value = chart.version
        location = chart.chart_doc.location(("version",))
        if value is None:
            continue  # LD005 reports a missing version
        if not isinstance(value, str):
            kind = "number" if isinstance(value, (int, float)) else type(value).__name__
            fields = {
                "chart": chart.name,
                "version": str(value),
                "problem": f"is the YAML {kind} `{value}`, not a string (`1.10` reads as 1.1); helm lint rejects it",
            }
            yield Violation(location, fields, None, (f'"{value}"',))
            continue
        if parse(value) is not None:
            continue
        coerced = coerce(value)
        problem = (
            (
                f"is not SemVer 2; Helm coerces it to `{coerced}`, which other tools (chart-testing, OCI "
                "registries) will not"
            )
            if coerced
            else "is not a version Helm accepts (SemVer 2: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD])"
        )
        yield Violation(
            location,
            {"chart": chart.name, "version": value, "problem": problem},
            None,
            (str(coerced),) if coerced else (),
        )


def _constraint_ok(constraint: str, version: str) -> bool:
    have, parsed = coerce(version), parse_constraint(constraint)
    return have is not None and parsed is not None and parsed.matches(have)


def check_lock(views: Views, params: NoParams) -> Iterator[Violation]:
    for chart in views.inventory.model.charts:
        lock = chart.lock_doc
        if lock is None or not isinstance(lock.data, dict):
            continue
        found = [*_lock_mismatches(chart), *_stale_lock_entries(chart)]
        yield from found
        if not found and chart.lock_digest_matches() is False:
            problem = (
                "Chart.lock's digest is not Helm's hash of Chart.yaml's dependencies: a field Helm "
                "hashes (condition, tags, alias, import-values, a version) changed since the lock was written"
            )
            yield Violation(lock.location(("digest",)), {"chart": chart.name, "problem": problem})


def _lock_mismatches(chart: Chart) -> Iterator[Violation]:
    for dep in chart.dependencies:
        where = chart.chart_doc.location(("dependencies", dep.index))
        pair = chart.lock_entry(dep)
        if pair is None:
            yield Violation(where, {"chart": chart.name, "problem": f"dependency `{dep.name}` is not in Chart.lock"})
            continue
        _, entry = pair
        if str(entry.get("repository", "")).rstrip("/") != (dep.repository or "").rstrip("/"):
            problem = (
                f"dependency `{dep.name}` comes from `{dep.repository}` but Chart.lock has `{entry.get('repository')}`"
            )
            yield Violation(where, {"chart": chart.name, "problem": problem})
        if dep.version is not None and not _constraint_ok(dep.version, str(entry.get("version", ""))):
            problem = f"dependency `{dep.name}` wants `{dep.version}` but Chart.lock pins `{entry.get('version')}`"
            yield Violation(where, {"chart": chart.name, "problem": problem})


def _stale_lock_entries(chart: Chart) -> Iterator[Violation]:
    assert chart.lock_doc is not None
    for index, entry in chart.stale_lock_entries():
        problem = f"Chart.lock pins `{entry.get('name')}`, which Chart.yaml no longer declares"
        yield Violation(chart.lock_doc.location(("dependencies", index)), {"chart": chart.name, "problem": problem})


def check_vendored(views: Views, params: NoParams) -> Iterator[Violation]:
    """Committed subcharts whose version is not the one Chart.lock pins (or Chart.yaml allows)."""
    for chart in views.inventory.model.charts:
        for dep in chart.dependencies:
            have = chart.vendored.get(dep.scope)
            if have is None:
                continue
            pin = pair[1] if (pair := chart.lock_entry(dep)) is not None else None
            if pin is not None and pin.get("version") is not None:
                wanted, ok = f"Chart.lock pins `{pin['version']}`", coerce(have) == coerce(str(pin["version"]))
            elif dep.version is not None:
                wanted, ok = f"Chart.yaml asks for `{dep.version}`", _constraint_ok(dep.version, have)
            else:
                continue
            if not ok:
                fields = {"chart": chart.name, "dependency": dep.name, "have": have, "wanted": wanted, "dir": chart.dir}
                yield Violation(chart.chart_doc.location(("dependencies", dep.index, "version")), fields)


CHECKS: list[AnyCheck] = [
    Check(
        "chart-version-bump",
        check_bump,
        BumpParams,
        frozenset({"chart", "old", "new", "files", "base", "next", "why", "change"}),
        "Charts whose deployed content changed since the git base without a higher version.",
        fixes=True,
    ),
    Check(
        "chart-version-format",
        check_version_format,
        NoParams,
        frozenset({"chart", "version", "problem"}),
        "Chart versions that are not SemVer 2 strings.",
    ),
    Check(
        "chart-lock-sync",
        check_lock,
        NoParams,
        frozenset({"chart", "problem"}),
        "Chart.lock entries that do not match Chart.yaml's dependencies.",
    ),
    Check(
        "chart-vendored-sync",
        check_vendored,
        NoParams,
        frozenset({"chart", "dependency", "have", "wanted", "dir"}),
        "Subcharts committed under charts/ whose version is not the one Chart.lock pins or Chart.yaml allows.",
    ),
]
