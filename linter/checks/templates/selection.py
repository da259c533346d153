"""Which nodes a template looks at: objects of some kinds, or every pod spec or container in them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from ...model import Resource, YamlPath, get_path
from ...model.objpath import POD_SPECS, expand_path, expand_steps, kind_matches, parse_path
from ...views import Views

Scope = Literal["objects", "PodSpecs", "Containers"]
SCOPES: tuple[Scope, ...] = ("objects", "PodSpecs", "Containers")


def nodes(views: Views, kinds: tuple[str, ...], scope: Scope) -> Iterator[tuple[Resource, YamlPath]]:
    """(object, path of the node) for every node the selection names.

    `objects`: the objects of `kinds` themselves. `PodSpecs`: the pod spec of every workload kind
    (Pod `spec`, `spec.template.spec`, CronJob `spec.jobTemplate.spec.template.spec`).
    `Containers`: each entry of `containers` and `initContainers` in those pod specs. With a
    scope, `kinds` (when given) narrows which objects are read.
    """
    if scope == "objects":
        for kind in kinds:
            for resource in views.inventory.of_kind(kind):
                yield resource, ()
        return
    for kind, pod in POD_SPECS.items():
        for resource in views.inventory.of_kind(kind):
            if resource.id.group not in ("", "apps", "batch") or (
                kinds and not any(kind_matches(k, resource.id) for k in kinds)
            ):
                continue
            for spec in expand_path(resource.data, pod):
                if scope == "PodSpecs":
                    yield resource, spec
                else:
                    for field in ("containers", "initContainers"):
                        yield from (
                            (resource, c) for c in expand_steps(get_path(resource.data, spec), [field, "*"], spec)
                        )


def split_path(text: str) -> tuple[tuple[str | int, ...], tuple[str | int, ...]]:
    """A relative path split after its last `[*]`: the part that expands, and the rest."""
    steps = parse_path(text)
    last = max((i for i, s in enumerate(steps) if s == "*"), default=-1)
    return steps[: last + 1], steps[last + 1 :]
