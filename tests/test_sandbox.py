"""Hostile charts: a render that never ends or allocates without bound is stopped in the Helm
worker and reported for that chart; the rest of the repository is linted as usual."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from chart_servers import tgz

from conftest import git_repo, lint_json
from linter.loaders.helm.render import reads_api_versions
from linter.loaders.helm.sanitize import MAX_NESTED_ARCHIVES, sanitize_archive, without_schemas

URL = "https://git.example.com/ops/homelab"
SLOW = "{{- $x := list }}{{- range until 200000 }}{{- $x = append $x . }}{{- end }}\n"
NEVER_ENDS = "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n"  # in little memory
GREEDY = '{{- $s := "0123456789abcdef" }}{{- range until 40 }}{{- $s = print $s $s }}{{- end }}{{ len $s }}\n'
MISSING_CLASS_PVC = (
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  storageClassName: nowhere\n"
    "  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n"
)


def app(name: str) -> str:
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
        f"spec:\n  project: default\n  source:\n    repoURL: {URL}\n    targetRevision: main\n"
        f"    path: apps/{name}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {name}\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )


def repo(tmp_path: Path, hostile: str) -> Path:
    return git_repo(
        tmp_path / "repo",
        {
            "argocd/bad.yaml": app("bad"),
            "apps/bad/Chart.yaml": "apiVersion: v2\nname: bad\nversion: 0.1.0\n",
            "apps/bad/templates/loop.yaml": hostile,
            "argocd/good.yaml": app("good"),
            "apps/good/Chart.yaml": "apiVersion: v2\nname: good\nversion: 0.1.0\n",
            "apps/good/templates/pvc.yaml": MISSING_CLASS_PVC,
        },
    )


@pytest.mark.parametrize(
    ("template", "limit", "reason"),
    [
        (SLOW, ("M0SH1_LINT_RENDER_TIMEOUT", "3"), "Helm did not answer within 3 s"),
        (GREEDY, ("M0SH1_LINT_RENDER_MEMORY_MIB", "256"), ""),
    ],
    ids=["time", "memory"],
)
def test_a_runaway_render_is_stopped_and_reported_for_its_chart_only(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    template: str,
    limit: tuple[str, str],
    reason: str,
) -> None:
    monkeypatch.setenv(*limit)
    root = repo(tmp_path, template)
    code, document = lint_json(root, "--select", "LD004,SC001", capsys=capsys)
    assert code == 1
    found = {(f["file"], f["rule"]) for f in document["findings"]}
    assert found == {("apps/bad/Chart.yaml", "LD004"), ("apps/good/templates/pvc.yaml", "SC001")}
    [stopped] = [f for f in document["findings"] if f["rule"] == "LD004"]
    assert "rendering was stopped" in stopped["message"] and reason in stopped["message"]


def test_many_runaway_renders_share_one_budget_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Four charts that never finish: two get the whole deadline, which uses up the run's budget
    (twice one deadline), the others a short one (with the default 30 s: 60 s + 2 s each instead
    of 30 s each); the next run has the whole budget again."""
    monkeypatch.setenv("M0SH1_LINT_RENDER_TIMEOUT", "1.5")
    files = {}
    for index in range(4):
        files[f"argocd/slow{index}.yaml"] = app(f"slow{index}")
        files[f"apps/slow{index}/Chart.yaml"] = f"apiVersion: v2\nname: slow{index}\nversion: 0.1.0\n"
        files[f"apps/slow{index}/templates/loop.yaml"] = NEVER_ENDS
    root = git_repo(tmp_path / "repo", files)
    for _ in range(2):
        code, document = lint_json(root, "--select", "LD004", capsys=capsys)
        messages = sorted(f["message"] for f in document["findings"])
        assert code == 1 and len(messages) == 4
        assert sum("Helm did not answer within 1.5 s" in m and "used up" not in m for m in messages) == 2
        used_up = "(the 3 s a run gives renders that must be stopped are used up)"
        assert sum(used_up in m for m in messages) == 2


def test_a_small_vendored_archive_that_expands_in_helm_stops_only_its_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # ~1 KB compressed; Helm's own YAML parser expands the alias 3,000 times (hundreds of MB)
    monkeypatch.setenv("M0SH1_LINT_RENDER_MEMORY_MIB", "256")
    values = f"big: &big {'x' * 200_000}\nuses: [{', '.join(['*big'] * 3000)}]\n"
    archive = tgz(
        {
            "bomb/Chart.yaml": "apiVersion: v2\nname: bomb\nversion: 1.0.0\n",
            "bomb/values.yaml": values,
            "bomb/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n",
        }.items()
    )
    assert len(archive) < 4096
    root = tmp_path / "repo"
    (root / "apps/bad/charts").mkdir(parents=True)
    (root / "apps/bad/charts/bomb-1.0.0.tgz").write_bytes(archive)
    root = repo(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\n")
    chart = root / "apps/bad/Chart.yaml"
    chart.write_text(chart.read_text() + "dependencies:\n  - name: bomb\n    version: 1.0.0\n    repository: ''\n")
    code, document = lint_json(root, "--select", "LD004,LD005,SC001", capsys=capsys)
    assert code == 1
    found = [(f["file"], f["rule"], f["message"]) for f in document["findings"]]
    assert found == [
        (
            "apps/bad/Chart.yaml",
            "LD004",
            "template does not render with Helm: rendering was stopped: Helm used more than 256 MiB of memory",
        ),
        ("apps/good/templates/pvc.yaml", "SC001", found[1][2]),  # the rest of the repository is linted
    ]


def test_archives_nested_in_a_small_vendored_archive_are_opened_within_a_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 4 KB: 60 archives in each of 60 archives, four levels deep. Opening every one (to make
    # their schemas safe, to see whether a chart reads APIVersions) took hours; they now share
    # one budget, and a chart that exceeds it reaches Helm empty.
    level = tgz([("bomb/templates/cm.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n")])
    for _ in range(4):
        chart = [("bomb/Chart.yaml", b"apiVersion: v2\nname: bomb\nversion: 1.0.0\n")]
        level = tgz(chart + [(f"bomb/charts/sub{i}-1.0.0.tgz", level) for i in range(60)])
    assert len(level) < 8192
    root = repo(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\n")
    (root / "apps/bad/charts").mkdir(parents=True)
    (root / "apps/bad/charts/bomb-1.0.0.tgz").write_bytes(level)
    chart_yaml = root / "apps/bad/Chart.yaml"
    chart_yaml.write_text(
        chart_yaml.read_text() + "dependencies:\n  - name: bomb\n    version: 1.0.0\n    repository: ''\n"
    )
    code, document = lint_json(root, "--select", "LD004,LD005,SC001", capsys=capsys)
    found = [(f["file"], f["rule"]) for f in document["findings"]]
    assert code == 1 and found == [("apps/bad/Chart.yaml", "LD005"), ("apps/good/templates/pvc.yaml", "SC001")]


def test_a_budget_refuses_nesting_deep_or_wide_beyond_it() -> None:
    inner = tgz([("c/templates/a.yaml", b"x: 1\n")])
    assert reads_api_versions(inner, {}) is False
    wide = tgz([(f"c/charts/s{i}.tgz", inner) for i in range(MAX_NESTED_ARCHIVES + 1)])
    assert reads_api_versions(wide, {}) is True and sanitize_archive(wide) == b""
    deep = inner
    for _ in range(400):  # one archive per level: deeper than Python's recursion limit
        deep = tgz([("c/charts/s.tgz", deep)])
    assert reads_api_versions(deep, {}) is True and sanitize_archive(deep) == b""
    fits = tgz([(f"c/charts/s{i}.tgz", inner) for i in range(10)])
    assert reads_api_versions(fits, {}) is False and sanitize_archive(fits) == fits


def test_skipping_schema_validation_leaves_out_every_charts_schema_and_nothing_else() -> None:
    schema = b'{"type": "object"}'
    nested = tgz([("sub/values.schema.json", schema), ("sub/Chart.yaml", b"name: sub\n")])
    archive = tgz(
        [
            ("c/values.schema.json", schema),
            ("c/charts/dir/values.schema.json", schema),
            ("c/charts/sub-1.0.0.tgz", nested),
            ("c/templates/values.schema.json", schema),  # a template, not a schema Helm applies
            ("c/Chart.yaml", b"name: c\n"),
        ]
    )

    def names(data: bytes) -> dict[str, bytes]:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]

    stripped = names(without_schemas(archive))
    assert sorted(stripped) == ["c/Chart.yaml", "c/charts/sub-1.0.0.tgz", "c/templates/values.schema.json"]
    assert sorted(names(stripped["c/charts/sub-1.0.0.tgz"])) == ["sub/Chart.yaml"]
