"""Addressing parts of Kubernetes objects: dotted paths with [*], kind selectors, pod specs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .resources import ResourceId
from .yamldoc import YamlPath

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


def parse_path(text: str) -> list[str | int]:
    """ "spec.volumes[*].name" → ["spec", "volumes", "*", "name"];
    'metadata.annotations["cert-manager.io/issuer"]' → ["metadata", "annotations", "cert-manager.io/issuer"]."""
    steps: list[str | int] = []
    for name, index, quoted in _STEP.findall(text):
        if name or quoted:
            steps.append(name or quoted)
        else:
            steps.append(index if index == "*" else int(index))
    return steps


def expand_path(data: Any, text: str) -> Iterator[YamlPath]:
    """Concrete paths to the existing nodes `text` names; `[*]` expands over list items."""
    yield from expand_steps(data, parse_path(text))


def expand_steps(data: Any, steps: list[str | int], prefix: YamlPath = ()) -> Iterator[YamlPath]:
    """Concrete paths (below `prefix`) to the nodes `steps` name in `data`; "*" expands lists."""
    if not steps:
        yield prefix
        return
    head, rest = steps[0], steps[1:]
    if head == "*":
        if isinstance(data, list):
            for index, child in enumerate(data):
                yield from expand_steps(child, rest, (*prefix, index))
    elif isinstance(head, int):
        if isinstance(data, list) and 0 <= head < len(data):
            yield from expand_steps(data[head], rest, (*prefix, head))
    elif isinstance(data, dict) and head in data and data[head] is not None:
        yield from expand_steps(data[head], rest, (*prefix, head))


def kind_matches(selector: str, rid: ResourceId) -> bool:
    """ "Kind" matches any group; "group/Kind" (e.g. postgresql.cnpg.io/Cluster) only that group;
    "*" every kind (a field many kinds share, such as Crossplane's writeConnectionSecretToRef)."""
    if selector == "*":
        return True
    group, _, kind = selector.rpartition("/")
    return rid.kind == kind and (not group or rid.group == group)
