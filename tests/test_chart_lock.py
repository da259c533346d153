"""Chart.lock's digest is computed as Helm computes it: real Helm writes the lock, we recompute."""

from __future__ import annotations

from pathlib import Path

import helm_python
import pytest
from chart_servers import http_repo, package, write_chart
from ruamel.yaml import YAML

from linter.core.chart_lock import requirements_digest

DEPENDENCIES = """\
  - name: db
    version: ">=1.0.0 <2.0.0"
    repository: {url}
    condition: db.enabled,global.db
    tags: [storage, "a&b"]
    alias: primary
    import-values:
      - child: exports.data
        parent: imported
      - defaults
  - name: db
    version: ~1.2
    repository: {url}
    alias: replica
  - name: common
    version: "*"
    repository: file://../common
    enabled: true
"""


def test_the_digest_is_the_one_helm_writes(tmp_path: Path) -> None:
    upstream = write_chart(tmp_path / "src", "db", version="1.2.0")
    write_chart(tmp_path / "work", "common", version="0.3.0")
    with http_repo(tmp_path / "served") as served:
        served.publish(package(upstream, tmp_path / "dist"))
        chart = tmp_path / "work" / "top"
        chart.mkdir()
        chart_yaml = "apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n" + DEPENDENCIES.format(url=served.url)
        (chart / "Chart.yaml").write_text(chart_yaml)
        helm_python.dependency_update(chart)
    lock = YAML(typ="safe").load((chart / "Chart.lock").read_text())
    dependencies = YAML(typ="safe").load(chart_yaml)["dependencies"]
    assert requirements_digest(dependencies, lock["dependencies"]) == lock["digest"]
    dependencies[0]["condition"] = "db.enabled"
    assert requirements_digest(dependencies, lock["dependencies"]) != lock["digest"]


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "db", "version": 1.2, "repository": "https://x"},  # Helm cannot load a number there
        {"name": "db", "version": "1", "repository": "@stable"},  # Helm hashes the URL it names
        {"name": "db", "repository": "https://x", "import-values": [{"child": 0.5}]},  # Go prints floats its way
        "not a mapping",
    ],
)
def test_a_digest_that_cannot_be_known_here_is_none(entry: object) -> None:
    assert requirements_digest([entry], []) is None
