"""The views' semantics, table-driven: Helm values precedence, subcharts, conditions, memoisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.inventory import build_inventory
from linter.model import Config, Dependency, Location, RepoModel, ValuesLayer, YamlDoc
from linter.model.yamldoc import KnownPositions, pack
from linter.views import Views
from linter.views.values import ReleaseValues


def layer(label: str, data: dict[str, object], line: int = 1) -> ValuesLayer:
    positions = {(key,): pack(line + i, 1) for i, key in enumerate(data)}
    return ValuesLayer(label, data, YamlDoc(label, 0, data, KnownPositions(positions, line)))


def release(*layers: ValuesLayer) -> ReleaseValues:
    return ReleaseValues(tuple(layers))


def test_later_layers_win_and_null_removes() -> None:
    values = release(
        layer("values.yaml", {"a": 1, "b": {"x": 1, "y": 2}, "c": "keep"}),
        layer("values-prod.yaml", {"a": 2, "b": {"y": None}}),
    )
    assert values.merged == {"a": 2, "b": {"x": 1}, "c": "keep"}
    assert values.setter(("a",)).label == "values-prod.yaml"  # type: ignore[union-attr]
    assert values.setter(("c",)).label == "values.yaml"  # type: ignore[union-attr]


def test_a_second_value_file_without_the_subchart_keeps_its_values() -> None:
    values = release(
        layer("values.yaml", {"harbor": {"core": {"nodeSelector": {"zone": "pve-1"}}}}),
        layer("values-prod.yaml", {"postgresql": {"instances": 3}}),
    )
    assert values.get(("harbor",)) == {"core": {"nodeSelector": {"zone": "pve-1"}}}
    assert values.locate(("harbor", "core", "nodeSelector", "zone")) == Location("values.yaml", 1, 1)


def test_subchart_scope_sees_its_key_and_the_parent_globals() -> None:
    values = release(
        layer(
            "values.yaml", {"global": {"storageClass": "fast"}, "harbor": {"global": {"storageClass": "slow", "x": 1}}}
        ),
    ).scoped(("harbor",))
    assert values.merged == {"global": {"storageClass": "fast", "x": 1}}


@pytest.mark.parametrize(
    ("condition", "tags", "data", "enabled"),
    [
        (None, (), {}, True),
        ("harbor.enabled", (), {"harbor": {"enabled": False}}, False),
        ("harbor.enabled", (), {"harbor": {"enabled": "false"}}, True),  # not a boolean: ignored, as Helm does
        ("missing.enabled,harbor.enabled", (), {"harbor": {"enabled": False}}, False),  # first boolean wins
        (None, ("registry",), {"tags": {"registry": False}}, False),
        (None, ("registry", "ui"), {"tags": {"registry": False, "ui": True}}, True),  # any true tag enables
        ("harbor.enabled", ("registry",), {"harbor": {"enabled": True}, "tags": {"registry": False}}, True),
    ],
)
def test_condition_then_tags(
    condition: str | None, tags: tuple[str, ...], data: dict[str, object], enabled: bool
) -> None:
    dependency = Dependency("harbor", condition=condition, tags=tags)
    assert release(layer("values.yaml", data)).enabled(dependency) is enabled


def test_leaves_report_effective_values_with_their_layer() -> None:
    values = release(layer("values.yaml", {"a": "old", "l": [1, 2]}), layer("prod.yaml", {"a": "new"}))
    assert [(path, value, owner.label) for path, value, owner in values.leaves()] == [
        (("a",), "new", "prod.yaml"),
        (("l", 0), 1, "values.yaml"),
        (("l", 1), 2, "values.yaml"),
    ]


def test_memo_remembers_failures_without_recomputing() -> None:
    model = RepoModel(Path("."), (), (), (), (), (), ())
    views = Views(build_inventory(model, Config()))
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        raise ValueError("broken input")

    for _ in range(2):
        with pytest.raises(ValueError, match="broken input"):
            views.memo("k", compute)
    assert calls == [1]


def test_schema_issues_kept_in_the_cache_read_back_as_they_were_and_a_damaged_entry_is_a_miss() -> None:
    from linter.checks.schema.describe import Issue, issues_as_json, issues_from_json

    found = [
        Issue(("spec", "replicas"), ("spec",), "`spec.replicas` is a string", "Make it an integer"),
        Issue(
            ("spec", "containers", 0, "imagee"),
            ("spec", "containers", 0),
            "unknown",
            "Remove it",
            True,
            False,
            ("image",),
        ),
    ]
    assert issues_from_json(json.loads(json.dumps(issues_as_json(found)))) == found
    for damaged in (
        None,
        [[["a"], [], "p", "f", False, False]],
        [[[True], [], "p", "f", False, False, []]],
        [[[], [], 1, "f", False, False, []]],
    ):
        assert issues_from_json(damaged) is None
