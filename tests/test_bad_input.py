"""Bad input never crashes: each case is a finding or a one-line error, in bounded time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conftest import lint_json
from linter.cli import main

APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  source:
    path: apps/web
    repoURL: https://git.example.com/homelab.git
  destination:
    namespace: apps
  project: default
  syncPolicy:
    syncOptions: [CreateNamespace=true]
"""
PVC = """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  storageClassName: ""
"""


def make_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    (root / ".git").mkdir(parents=True)
    base = {
        "argocd/apps/web.yaml": APP,
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/templates/pvc.yaml": PVC,
    }
    if any(rel.startswith("manifests/") for rel in files):
        base["argocd/apps/manifests.yaml"] = APP.replace("name: web", "name: manifests").replace(
            "apps/web", "manifests"
        )
    for rel, content in {**base, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def findings(root: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, int, str, str]]:
    code, document = lint_json(root, capsys=capsys)
    assert code in (0, 1)
    return [(f["file"], f["line"], f["rule"], f["message"]) for f in document["findings"]]


def test_symlink_out_of_repo_is_not_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "outside.yaml"
    secret.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked-s3cr3t\n")
    repo = make_repo(tmp_path / "repo", {})
    os.symlink(secret, repo / "apps/web/templates/evil.yaml")
    os.symlink(secret, repo / "leak.yaml")
    code, document = lint_json(repo, capsys=capsys)
    text = str(document)
    assert "leaked-s3cr3t" not in text
    reason = "file skipped: it is a symbolic link that points outside the repository, so it was not followed"
    assert [(f["file"], f["rule"], f["message"]) for f in document["findings"]] == [
        ("apps/web/templates/evil.yaml", "LD003", reason),
        ("leak.yaml", "LD003", reason),
    ]
    assert code == 1


def test_symlink_loops_and_dangling_links_are_ld003_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {})
    os.symlink("b.yaml", repo / "a.yaml")
    os.symlink("a.yaml", repo / "b.yaml")
    os.symlink("values.yaml", repo / "apps/web/self.yaml")
    os.symlink("values.yaml", repo / "apps/web/values.yaml")  # a link to itself
    os.symlink("gone.yaml", repo / "dangling.yaml")
    reason = "file skipped: it is a symbolic link that leads to no file (it dangles or loops), so it was not followed"
    code, document = lint_json(repo, capsys=capsys)
    assert code == 1
    assert [(f["file"], f["rule"], f["message"]) for f in document["findings"] if f["rule"] == "LD003"] == [
        (rel, "LD003", reason)
        for rel in ("a.yaml", "apps/web/self.yaml", "apps/web/values.yaml", "b.yaml", "dangling.yaml")
    ]
    assert main(["--root", str(repo), str(repo)]) == 1  # text output shows source lines: none to show here
    out, err = capsys.readouterr()
    assert "a.yaml:1:1 LD003" in out and err == ""


def test_symlink_inside_repo_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(
        tmp_path, {"shared/pvc.yaml": PVC.replace('""', "missing-class").replace("name: data", "name: shared")}
    )
    os.symlink(repo / "shared/pvc.yaml", repo / "apps/web/templates/shared.yaml")
    assert ("apps/web/templates/shared.yaml", 6, "SC001") in [f[:3] for f in findings(repo, capsys)]


def test_alias_bomb_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        prev = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{prev}"] * 9) + "]")
    repo = make_repo(tmp_path, {"manifests/bomb.yaml": "\n".join(lines) + "\n"})
    started = time.perf_counter()
    result = findings(repo, capsys)
    assert time.perf_counter() - started < 10
    reason = "file skipped: it has more than 200000 nodes (an alias counts each time it is used)"
    assert result == [("manifests/bomb.yaml", 1, "LD006", reason)]


def test_an_alias_bomb_inside_an_embedded_storage_class_is_bounded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The YAML a ConfigMap holds for an operator (Longhorn's storageclass.yaml) is parsed with
    the same bounds as a file: a bomb there makes no object, and the claim on it is SC001."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        lines.append(f"{level}: &{level} [" + ",".join([f"*{chr(ord(level) - 1)}"] * 9) + "]")
    embedded = "\n".join(f"    {line}" for line in ["kind: StorageClass", *lines])
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: longhorn-storageclass\n"
    configmap += f"data:\n  storageclass.yaml: |\n{embedded}\n"
    claim = PVC.replace('""', "longhorn").replace("name: data", "name: replicated")
    repo = make_repo(tmp_path, {"manifests/configmap.yaml": configmap, "manifests/pvc.yaml": claim})
    started = time.perf_counter()
    result = findings(repo, capsys)
    assert time.perf_counter() - started < 10
    assert [(f[0], f[2]) for f in result] == [("manifests/pvc.yaml", "SC001")]


def test_one_large_scalar_aliased_many_times_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # few nodes, but 3,000 uses of a 100 KB scalar: 300 MB of values Helm would be handed
    text = f"big: &big {'x' * 100_000}\nuses: [{', '.join(['*big'] * 3000)}]\n"
    repo = make_repo(tmp_path, {"apps/web/values.yaml": text})
    reason = "file skipped: its values add up to more than 64 MiB of text (an alias counts each time)"
    assert ("apps/web/values.yaml", 1, "LD006", reason) in findings(repo, capsys)


def test_recursive_alias(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, {"manifests/loop.yaml": "a: &x\n  b: *x\n"})
    assert findings(repo, capsys) == [("manifests/loop.yaml", 1, "LD006", "file skipped: an alias refers to itself")]


def test_tabs_syntax_errors_and_duplicates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(
        tmp_path,
        {
            "manifests/tabs.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n",
            "apps/web/values.yaml": "a: [1, 2\n",
            "manifests/dup.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: z\n",
        },
    )
    result = findings(repo, capsys)
    assert [(f, line, rule) for f, line, rule, _ in result] == [
        ("apps/web/values.yaml", 2, "LD001"),
        ("manifests/dup.yaml", 5, "LD002"),
        ("manifests/tabs.yaml", 4, "LD001"),
    ]
    assert "YAML forbids tabs" in result[2][3]
    assert result[1][3] == "key `name` appears again (first at line 4); the last one wins"


def test_encodings_empty_files_and_wrong_shapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(
        tmp_path,
        {
            "manifests/latin1.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
            "manifests/utf16.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n".encode("utf-16"),
            "manifests/empty.yaml": "",
            "manifests/binary.yaml": b"\x00\x01\x02",
            "apps/web/values.yaml": "- not\n- a mapping\n",
            "apps/other/Chart.yaml": "apiVersion: v2\nname: other\n",
            "apps/other/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
            "apps/empty/Chart.yaml": "",
        },
    )
    assert findings(repo, capsys) == [
        ("apps/empty/Chart.yaml", 1, "LD005", "chart skipped: Chart.yaml is empty"),
        (
            "apps/other/Chart.yaml",
            1,
            "LD005",
            "chart skipped: Chart.yaml has no `version`, so Helm cannot load the chart",
        ),
        ("apps/web/values.yaml", 1, "LD005", "chart skipped: values.yaml is not a mapping of keys to values"),
        ("manifests/binary.yaml", 1, "LD003", "file skipped: it is not UTF-8 text (or holds NUL bytes)"),
        ("manifests/latin1.yaml", 1, "LD003", "file skipped: it is not UTF-8 text (or holds NUL bytes)"),
    ]


def test_unrenderable_template_keeps_linting_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(
        tmp_path,
        {
            "apps/web/templates/broken.yaml": "a: {{ .Values.missing.deep.value }}\n",
            "manifests/pvc.yaml": PVC.replace('""', "nope"),
        },
    )
    result = findings(repo, capsys)
    assert [(f, line, rule) for f, line, rule, _ in result] == [
        ("apps/web/templates/broken.yaml", 1, "LD004"),
        ("manifests/pvc.yaml", 6, "SC001"),
    ]
    assert (
        result[0][3] == "template does not render with Helm: at <.Values.missing.deep.value>: "
        "nil pointer evaluating interface {}.deep"
    )


def test_large_file_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, {"manifests/huge.yaml": "# " + "x" * (5 * 1024 * 1024) + "\n"})
    [(path, _, rule, message)] = findings(repo, capsys)
    assert (path, rule) == ("manifests/huge.yaml", "LD003")
    assert "more than the 4194304-byte limit" in message


def test_deep_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, {"manifests/deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n"})
    result = findings(repo, capsys)
    assert [r[2] for r in result] in (["LD006"], ["LD001"])


def test_internal_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import linter.pipeline

    def boom(*_: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(linter.pipeline, "run_rules", boom)
    repo = make_repo(tmp_path, {})
    assert main([str(repo)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "m0sh1-lint: internal error: RuntimeError: kaput (set M0SH1_LINT_DEBUG=1 for a traceback)"


ODD_SHAPES = {
    # found by review: each crashed a loader or a check before (now read as empty, or reported)
    "manifests/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: foo\n",
    "manifests/sc.yaml": "apiVersion: storage.k8s.io/v1\nkind: StorageClass\n"
    "metadata: {name: s, annotations: [a]}\nprovisioner: x\n",
    "manifests/ss.yaml": "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n"
    "metadata: {name: x, namespace: apps, annotations: [a]}\n"
    "spec: {encryptedData: null, template: {metadata: [a]}}\n",
    "manifests/pdb.yaml": (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p, namespace: apps}\nspec: "
        "{minAvailable: 1, selector: {matchLabels: [a]}}\n"
    ),
    "manifests/tag.yaml": "a: !!bool maybe\n",
    "manifests/longkind.yaml": "apiVersion: v1\nkind: " + "K" * 300 + "\nmetadata: {name: x}\n",
    "manifests/traversal.yaml": "apiVersion: v1\nkind: ../../../../x\nmetadata: {name: x}\n",
    "argocd/apps/odd.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: odd}\n"
    "spec: {sources: 5, source: {path: apps/web, helm: foo, directory: foo}}\n",
    "argocd/apps/odd2.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: odd2}\n"
    "spec: {source: {path: apps/web, helm: {valueFiles: values.yaml, parameters: 5}}}\n",
    "argocd/apps/odd3.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: foo\nspec: {}\n",
    "argocd/apps/kust.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: kust}\n"
    "spec: {source: {path: kust, directory: {include: 5}}, destination: {namespace: apps}}\n",
    "kust/kustomization.yaml": (
        "resources: 5\npatchesStrategicMerge: 5\ngeneratorOptions: foo\nsecretGenerator: [{name: g, options: x, "
        "envs: x.env}]\n"
    ),
    "apps/odd/Chart.yaml": "apiVersion: v2\nname: odd\nversion: 0.1.0\ndependencies: 5\n",
    "apps/odd/Chart.lock": "dependencies: 5\n",
    "apps/odd/templates/aff.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
    "spec:\n  template:\n    spec:\n"
    "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n"
    "            nodeSelectorTerms: [{matchExpressions: {key: zone}}]\n"
    "        podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: 5}\n",
}


def test_odd_shapes_never_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, ODD_SHAPES)
    code, document = lint_json(repo, capsys=capsys)
    assert code in (0, 1)
    rules = {f["rule"] for f in document["findings"]}
    assert "LN004" not in rules, [f for f in document["findings"] if f["rule"] == "LN004"]
    assert "AR004" in rules  # the Application without a usable metadata.name


def test_secret_values_never_appear_in_schema_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: apps}\n"
        "stringData:\n  user: admin\n  pin: 48151623\n"
    )
    repo = make_repo(tmp_path, {"manifests/s.yaml": secret})
    main(["--format", "sarif", "--root", str(repo), str(repo)])
    out = capsys.readouterr().out
    assert "48151623" not in out and "value hidden" in out


def test_a_crashing_check_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from linter.checks.registry import REGISTRY

    def boom(*_: object) -> None:
        raise TypeError("unexpected shape")

    name = "template-default-storage-class"
    monkeypatch.setitem(REGISTRY, name, replace(REGISTRY[name], run=boom))
    repo = make_repo(tmp_path, {})
    code, document = lint_json(repo, capsys=capsys)
    assert [(f["rule"], f["message"]) for f in document["findings"]] == [
        (
            "LN004",
            "rule SC003 could not finish on this repository (TypeError: unexpected shape); its findings are incomplete",
        ),
    ]
    assert code == 1
