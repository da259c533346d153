"""A rule written as one YAML file in the user's ruleDirs (docs/writing-rules.md), end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import lint_json

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "writing-rules.md"

APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  source:
    repoURL: https://git.example.com/homelab.git
    path: apps/web
  destination:
    namespace: apps
"""
PVC_WITHOUT_SIZE = """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ .Release.Name }}-data
spec:
  accessModes: [ReadWriteOnce]
"""
PVC_WITH_SIZE = """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ .Release.Name }}-cache
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: {{ .Values.cacheSize }}
"""
STATEFULSET = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-db
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:17}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 5Gi}}
    - metadata: {name: wal}
      spec:
        accessModes: [ReadWriteOnce]
"""


def documented_rule() -> str:
    """The rule file exactly as docs/writing-rules.md shows it (the block after "Save it as")."""
    text = GUIDE.read_text(encoding="utf-8")
    after = text[text.index("Save it as") :]
    match = re.search(r"```yaml\n(.*?)```", after, re.S)
    assert match, "docs/writing-rules.md lost its example rule"
    return match.group(1)


def make_repo(tmp_path: Path) -> Path:
    files = {
        ".m0sh1-lint.yaml": "ruleDirs: [policy/rules]\n",
        "policy/rules/XP001-pvc-storage-request-missing.yaml": documented_rule(),
        "argocd/apps/web.yaml": APP,
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/values.yaml": "cacheSize: 1Gi\n",
        "apps/web/templates/pvc.yaml": PVC_WITHOUT_SIZE,
        "apps/web/templates/cache.yaml": PVC_WITH_SIZE,
        "apps/web/templates/db.yaml": STATEFULSET,
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_documented_user_rule_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document = lint_json(make_repo(tmp_path), "--select", "XP001", capsys=capsys)
    found = [(f["file"], f["line"], f["column"], f["rule"], f["message"]) for f in document["findings"]]
    assert found == [
        (
            "apps/web/templates/db.yaml",
            18,
            7,
            "XP001",
            "StatefulSet `web-db` has no `spec.volumeClaimTemplates[1].spec.resources.requests.storage`",
        ),
        (
            "apps/web/templates/pvc.yaml",
            5,
            1,
            "XP001",
            "PersistentVolumeClaim `web-data` has no `spec.resources.requests.storage`",
        ),
    ]
    assert document["findings"][0]["hint"] == (
        "Set `spec.volumeClaimTemplates[1].spec.resources.requests.storage` to the size the volume needs, e.g. `10Gi`."
    )
    assert code == 1


def test_documented_example_output_is_what_the_rule_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lint_json(make_repo(tmp_path), "--select", "XP001", capsys=capsys)
    from linter.cli import main

    main(["--root", str(tmp_path), "--select", "XP001", "-q", "--no-color", str(tmp_path)])
    printed = capsys.readouterr().out
    example = re.search(r"```text\n(.*?)\n```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert example is not None
    assert example.group(1) in printed
