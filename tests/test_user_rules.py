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


EMBEDDED_SPEC = """kind: EmbeddedObject
name: acme-classes
match: [ConfigMap]
when: metadata.labels.acme/classes=true
at: 'data["classes.yaml"]'
kinds: [storage.k8s.io/StorageClass]
"""
ACME_CONFIGMAPS = """apiVersion: v1
kind: ConfigMap
metadata:
  name: acme-classes
  labels: {acme/classes: "true"}
data:
  classes.yaml: |
    apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {name: acme-fast}
    provisioner: acme.example.com
    ---
    apiVersion: v1
    kind: Secret
    metadata: {name: not-a-class}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: acme-broken
  labels: {acme/classes: "true"}
data:
  classes.yaml: "metadata: [unclosed"
"""
CLAIMS = """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: fast}
spec:
  storageClassName: acme-fast
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: typo}
spec:
  storageClassName: acme-fats
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""


def test_user_embedded_object_spec_makes_the_classes_its_configmap_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        ".m0sh1-lint.yaml": "ruleDirs: [policy/objects]\n",
        "policy/objects/acme.yaml": EMBEDDED_SPEC,
        "argocd/apps/acme.yaml": APP.replace("web", "acme"),
        "apps/acme/configmaps.yaml": ACME_CONFIGMAPS,
        "argocd/apps/web.yaml": APP,
        "apps/web/claims.yaml": CLAIMS,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    code, document = lint_json(tmp_path, "--select", "SC,SS", capsys=capsys)
    found = [(f["rule"], f["file"], f["line"], f["suggestions"]) for f in document["findings"]]
    assert found == [("SC001", "apps/web/claims.yaml", 13, ["acme-fast"])]  # the Secret in the text is no class
    assert code == 1


def test_invalid_embedded_object_spec_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".m0sh1-lint.yaml").write_text("ruleDirs: [policy]\n", encoding="utf-8")
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "acme.yaml").write_text(EMBEDDED_SPEC.replace("at:", "path:"), encoding="utf-8")
    from linter.cli import main

    assert main(["lint", "--root", str(tmp_path), str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("m0sh1-lint: error: ") and "policy/acme.yaml: invalid EmbeddedObject" in error
    assert "\n" not in error


def test_a_secret_producer_script_that_is_no_regular_expression_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (
        "kind: SecretProducer\nname: acme-init\nmatch: [batch/Job]\nproduces:\n"
        "  - each: spec.template.spec.containers[*]\n    script: 'acme-init (?P<name>[a-z'\n    name: '{@match.name}'\n"
    )
    (tmp_path / ".m0sh1-lint.yaml").write_text("ruleDirs: [policy]\n", encoding="utf-8")
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "acme.yaml").write_text(spec, encoding="utf-8")
    from linter.cli import main

    assert main(["lint", "--root", str(tmp_path), str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("m0sh1-lint: error: ") and "policy/acme.yaml: invalid SecretProducer: script: " in error
    assert "\n" not in error
