"""Addressing parts of Kubernetes objects: dotted paths with [*], kind selectors, pod specs."""

from __future__ import annotations

import re
from typing import Any, Iterator

from .model import ResourceId, YamlPath

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

_STEP = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]")


def parse_path(text: str) -> list[str | int]:
    """"spec.volumes[*].name" → ["spec", "volumes", "*", "name"]."""
    steps: list[str | int] = []
    for name, index in _STEP.findall(text):
        if name:
            steps.append(name)
        else:
            steps.append(index if index == "*" else int(index))
    return steps


def expand_path(data: Any, text: str) -> Iterator[YamlPath]:
    """Concrete paths to the existing nodes `text` names; `[*]` expands over list items."""

    def walk(node: Any, steps: list[str | int], prefix: YamlPath) -> Iterator[YamlPath]:
        if not steps:
            yield prefix
            return
        head, rest = steps[0], steps[1:]
        if head == "*":
            if isinstance(node, list):
                for index, child in enumerate(node):
                    yield from walk(child, rest, prefix + (index,))
        elif isinstance(head, int):
            if isinstance(node, list) and 0 <= head < len(node):
                yield from walk(node[head], rest, prefix + (head,))
        elif isinstance(node, dict) and head in node and node[head] is not None:
            yield from walk(node[head], rest, prefix + (head,))

    yield from walk(data, parse_path(text), ())


def kind_matches(selector: str, rid: ResourceId) -> bool:
    """"Kind" matches any group; "group/Kind" (e.g. postgresql.cnpg.io/Cluster) only that group."""
    group, _, kind = selector.rpartition("/")
    return rid.kind == kind and (not group or rid.group == group)
