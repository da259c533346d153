"""Addressing parts of Kubernetes objects: dotted paths with [*], kind selectors, pod specs."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any

from .resources import ResourceId
from .yamldoc import YamlPath, get_path

# Where each workload kind keeps its pod spec.
POD_SPECS: dict[str, str] = {
    "Pod": "spec",
    "Deployment": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
    "ReplicaSet": "spec.template.spec",
    "Job": "spec.template.spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
}

_STEP = re.compile(r'([^.\[\]"]+)|\[(\*|\d+)\]|\["([^"]+)"\]')  # name, [index], ["key.with/dots"]


@functools.lru_cache(maxsize=1024)  # rules and producers name a few hundred paths, asked of every object
def parse_path(text: str) -> tuple[str | int, ...]:
    """ "spec.volumes[*].name" → ("spec", "volumes", "*", "name");
    'metadata.annotations["cert-manager.io/issuer"]' → ("metadata", "annotations", "cert-manager.io/issuer")."""
    steps: list[str | int] = []
    for name, index, quoted in _STEP.findall(text):
        if name or quoted:
            steps.append(name or quoted)
        else:
            steps.append(index if index == "*" else int(index))
    return tuple(steps)


def expand_path(data: Any, text: str) -> Iterator[YamlPath]:
    """Concrete paths to the existing nodes `text` names; `[*]` expands over list items."""
    yield from expand_steps(data, parse_path(text))


def expand_steps(data: Any, steps: Sequence[str | int], prefix: YamlPath = ()) -> Iterator[YamlPath]:
    """Concrete paths (below `prefix`) to the nodes `steps` name in `data`; "*" expands lists."""
    for step_index, head in enumerate(steps):
        if head == "*":
            if isinstance(data, list):
                rest = steps[step_index + 1 :]
                for index, child in enumerate(data):
                    yield from expand_steps(child, rest, (*prefix, index))
            return
        if isinstance(head, int):
            if not isinstance(data, list) or not 0 <= head < len(data):
                return
        elif not isinstance(data, dict) or data.get(head) is None:
            return
        data, prefix = data[head], (*prefix, head)
    yield prefix


def kind_matches(selector: str, rid: ResourceId) -> bool:
    """ "Kind" matches any group; "group/Kind" (e.g. postgresql.cnpg.io/Cluster) only that group;
    "*" every kind (a field many kinds share, such as Crossplane's writeConnectionSecretToRef)."""
    if selector == "*":
        return True
    group, _, kind = selector.rpartition("/")
    return rid.kind == kind and (not group or rid.group == group)


def value_at(data: Any, path: str) -> Any:
    """The node at a spec path (dots, [index], ["key.with/dots"]): one reading for every field."""
    return get_path(data, tuple(parse_path(path)))


def condition_holds(data: Any, paths: str) -> bool:
    """Does one of the `|`-separated conditions hold: `path` a truthy value, `path=text` that text?"""
    for condition in paths.split("|"):
        path, equals, text = condition.strip().rpartition("=")
        expected: str | None = text
        if not equals or '"' in text:  # no `=`, or one inside a quoted key
            path, expected = condition.strip(), None
        value = value_at(data, path)
        if expected is not None and value is not None and str(value) == expected:
            return True
        if expected is None and bool(value) and str(value).lower() not in ("false", "0"):
            return True
    return False
