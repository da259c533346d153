"""The command line as a user drives it: exit codes, formats, selection, scope, config errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import copy_seed_after
from linter.cli import cli, main
from linter.core.resources import schema

EXAMPLE = Path(__file__).parent.parent / "examples" / "homelab"


def test_click_runner_entry_point() -> None:
    outcome = CliRunner().invoke(cli, ["--select", "SC003", "--no-color", str(EXAMPLE)])
    assert outcome.exit_code == 1
    assert "apps/user/harbor/templates/postgres-cluster.yaml:20:72 SC003" in outcome.stdout


def test_findings_exit_1_and_json_matches_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--format", "json", str(EXAMPLE)])
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, schema("findings.schema.json"))
    assert code == 1
    assert document["summary"]["error"] == len([f for f in document["findings"] if f["severity"] == "error"])


def test_clean_tree_exits_0(seed_after: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The seed's after state: no errors, the PG008 and NP006 warnings (see test_e2e_seed).
    assert main([str(seed_after)]) == 0
    out = capsys.readouterr().out
    assert "PG008 barman-in-tree-deprecated" in out
    assert out.rstrip().endswith("Found 2 problems: 2 warnings.")


def test_text_output_is_plain_and_grouped(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--select", "SC001", "--no-color", str(EXAMPLE)])
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    first = out.splitlines()[0]
    assert first.startswith(
        "apps/cluster/valkey/values.yaml:26:5 SC001 storage-class-unknown PersistentVolumeClaim `valkey`"
    )
    assert "  error: Use one of the classes defined in apps/cluster/proxmox-csi/templates/storageclasses.yaml" in out
    assert "  did you mean `proxmox-csi-zfs-sata-object-retain`?" in out
    assert out.rstrip().endswith("Found 7 problems: 7 errors.")


def test_select_ignore_by_id_name_and_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    def rules_for(*args: str) -> set[str]:
        main(["--format", "json", *args, str(EXAMPLE)])
        return {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}

    assert rules_for("--select", "SC003") == {"SC003"}
    assert rules_for("--select", "values-storage-class-unknown") == {"SC002"}
    assert rules_for("--select", "SC", "--ignore", "SC001,SC002") == {"SC003"}


def test_strict_turns_warnings_into_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = copy_seed_after(tmp_path / "repo")
    # only the warning rule: the default class annotation is removed
    sc = tree / "apps/cluster/proxmox-csi/values.yaml"
    sc.write_text(sc.read_text().replace("default: true", "default: false"))
    pvc = tree / "apps/user/harbor/templates/pvc.yaml"
    lines = pvc.read_text().splitlines(keepends=True)
    assert "storageClassName" in lines[10]
    pvc.write_text("".join(lines[:10] + lines[11:]))
    assert main(["--select", "SC005", str(tree)]) == 0
    assert "SC005" in capsys.readouterr().out
    assert main(["--select", "SC005", "--strict", str(tree)]) == 1


def test_paths_restrict_reporting_not_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--format", "json", str(EXAMPLE / "apps/user/harbor/templates")])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert code == 1
    assert {f["file"] for f in findings} == {
        "apps/user/harbor/templates/bootstrap-job.yaml",
        "apps/user/harbor/templates/pvc.yaml",
        "apps/user/harbor/templates/postgres-cluster.yaml",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "SC01"], "unknown rule `SC01`"),
        (["--select", "storage-class-unknwn"], "(did you mean `storage-class-unknown`?)"),
        (["no/such/path"], "path `no/such/path` does not exist"),
        (["--config", "missing.yaml", "."], "--config `missing.yaml` does not exist"),
        # the hint names the command whose --help lists the misused option
        (
            ["--format", "yaml", "."],
            "'yaml' is not one of 'text', 'json', 'sarif', 'github', 'markdown'. (m0sh1-lint lint --help for usage)",
        ),
        (["inventory", "secrets", "--format", "sarif", "."], "(m0sh1-lint inventory secrets --help for usage)"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_bad_config_names_file_field_and_closest_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".m0sh1-lint.yaml").write_text("cluster:\n  storageClass: [local-path]\n")
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "m0sh1-lint: error: .m0sh1-lint.yaml: invalid config: unknown key `storageClass` in cluster "
        "(did you mean `storageClasses`?)"
    )


def test_bad_severity_value_in_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".m0sh1-lint.yaml").write_text("severity:\n  SC001: eror\n")
    assert main([str(tmp_path)]) == 2
    assert (
        "severity.SC001: `eror` is not one of `error`, `warning`, `info` (did you mean `error`?)"
        in capsys.readouterr().err
    )


def test_config_severity_override_and_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(EXAMPLE, tree)
    (tree / ".m0sh1-lint.yaml").write_text("select: [SC]\nseverity:\n  SC: warning\nignore: [SC002]\n")
    assert main(["--format", "json", str(tree)]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {f["severity"] for f in findings} == {"warning"}
    assert "SC002" not in {f["rule"] for f in findings}


def test_ignore_paths_keep_findings_marked_suppressed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(EXAMPLE, tree)
    (tree / ".m0sh1-lint.yaml").write_text(
        "ignorePaths:\n  - paths: ['apps/user/harbor/**']\n    rules: [SC]\n    reason: migration in progress\n"
    )
    main(["--format", "json", str(tree)])
    findings = json.loads(capsys.readouterr().out)["findings"]
    harbor = [f for f in findings if f["file"].startswith("apps/user/harbor/")]
    assert harbor and all((f["suppressed"] == "migration in progress") == f["rule"].startswith("SC") for f in harbor)


def test_rules_and_rule_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert "SC001  storage-class-unknown" in listing
    assert main(["rule", "SC001"]) == 0
    page = capsys.readouterr().out
    for section in (
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## How to fix",
        "## Options",
        "## Suppression",
        "## References",
    ):
        assert section in page
    assert main(["rule", "SC01"]) == 2


def test_verbose_reports_charts_that_could_not_be_had(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["-v", str(EXAMPLE)])
    assert "could not be had" not in capsys.readouterr().err  # the example's stand-ins all render
    tree = tmp_path / "repo"
    shutil.copytree(EXAMPLE, tree)
    chart = tree / "apps/cluster/valkey/Chart.yaml"
    chart.write_text(chart.read_text().replace("file://../../../upstream/valkey", "https://valkey.io/valkey-helm/"))
    main(["-v", "--offline", str(tree)])
    err = capsys.readouterr().err
    assert "charts: 1 could not be had (LD010), so their objects are missing and only their values are checked" in err


def test_a_repository_without_applications_says_nothing_was_rendered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main([str(EXAMPLE)])
    assert "no Argo CD Application" not in capsys.readouterr().err
    chart = tmp_path / "charts/app"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 1.0.0\n")
    (chart / "templates/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")
    (tmp_path / ".m0sh1-lint.yaml").write_text("{}\n")
    assert main(["--offline", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "No problems found." in captured.out
    assert captured.err == (
        "m0sh1-lint: no Argo CD Application or ApplicationSet was found, so only committed manifests were "
        "checked and no chart was rendered (1 chart that nothing deploys); if a chart makes your Applications, "
        "its dependencies must be in the chart cache (`m0sh1-lint charts pull`)\n"
    )
    assert main(["-q", "--offline", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def test_baseline_hides_known_findings_says_so_and_counts_fixed_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(EXAMPLE, tree)
    baseline_file = str(tmp_path / "baseline.json")
    assert main(["--write-baseline", baseline_file, str(tree)]) == 0
    assert "recorded 19 findings" in capsys.readouterr().err
    assert main(["--no-color", "--baseline", baseline_file, str(tree)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "No problems found (19 suppressed)."
    # a pipe from the command line, as `--baseline <(git show main:baseline.json)` gives
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(Path(baseline_file).read_bytes()))
    writer.start()
    assert main(["--no-color", "--baseline", str(pipe), str(tree)]) == 0
    writer.join()
    assert capsys.readouterr().out.splitlines()[-1] == "No problems found (19 suppressed)."
    # fixing one baselined finding (a SealedSecret the kustomization did not list) is noticed
    kustomization = tree / "apps/user/secrets-apps/kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "  - harbor-valkey.sealedsecret.yaml\n")
    assert main(["--format", "json", "--baseline", baseline_file, str(tree)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["baselineFixed"] == 1
    assert {f["suppressed"] for f in document["findings"]} == {"baseline"}


def test_a_json_run_does_not_load_rich(tmp_path: Path) -> None:
    """rich costs ~90 M instructions to import (5% of a warm 60-chart run): only text output,
    the inventory tables and the progress line may load it."""
    probe = (
        "import sys\nfrom linter.cli import main\ncode = main(sys.argv[1:])\n"
        "print('rich' in sys.modules, file=sys.stderr)\nsys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "--format", "json", "--offline", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and done.stderr.strip().splitlines()[-1] == "False"


def test_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--format", "json", str(EXAMPLE)])
    first = capsys.readouterr().out
    main(["--format", "json", str(EXAMPLE)])
    assert capsys.readouterr().out == first


def test_console_script_flushes_runs_exit_handlers_and_keeps_the_exit_code(tmp_path: Path) -> None:
    # `run` (the console script) ends with os._exit: nothing may be lost on the way out
    out_file = tmp_path / "report.json"
    program = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('exit handler ran', file=sys.stderr))\n"
        f"sys.argv = ['m0sh1-lint', '--format', 'json', '--output', {str(out_file)!r}, {str(EXAMPLE)!r}]\n"
        "from linter.cli import run\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stderr.endswith("exit handler ran\n")
    written = json.loads(out_file.read_text())
    total = sum(written["summary"][s] for s in ("error", "warning", "info"))
    assert len(written["findings"]) == total > 0
    # the console's text report, buffered (stdout is a pipe), is there to its last line
    assert done.stdout.rstrip().splitlines()[-1].startswith(f"Found {total} problems")


def _changed_repo(root: Path) -> Path:
    from conftest import application, git_repo

    files = {
        "argocd/storage.yaml": application("storage", "storage", "kube-system"),
        "storage/classes.yaml": "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n"
        "provisioner: example.com/disk\n",
        ".m0sh1-lint.yaml": "kubernetesVersion: '1.31'\n",
    }
    for name in ("a", "b"):
        files[f"argocd/{name}.yaml"] = application(name, f"apps/{name}", name)
        files[f"apps/{name}/Chart.yaml"] = f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
        files[f"apps/{name}/values.yaml"] = "storageClass: fats\nsize: 1Gi\n"
        files[f"apps/{name}/templates/pvc.yaml"] = (
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
            "  storageClassName: {{ .Values.storageClass }}\n  accessModes: [ReadWriteOnce]\n"
            "  resources:\n    requests:\n      storage: {{ .Values.size }}\n"
        )
        files[f"apps/{name}/templates/secret.yaml"] = (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2hunter2\n"
        )
    return git_repo(root, files)


def _changed_findings(root: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    from conftest import lint_json

    _, document = lint_json(root, "--changed", "--select", "SC001,SS003", capsys=capsys)
    return sorted((f["file"], f["rule"]) for f in document["findings"])


def test_changed_reports_what_the_edit_can_have_caused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _changed_repo(tmp_path / "repo")
    assert _changed_findings(root, capsys) == []  # nothing changed
    values = root / "apps/a/values.yaml"
    values.write_text(values.read_text().replace("1Gi", "2Gi"))
    # the edited release only: its claim (at the values line) and its Secret
    assert _changed_findings(root, capsys) == [
        ("apps/a/templates/secret.yaml", "SS003"),
        ("apps/a/values.yaml", "SC001"),
    ]
    values.write_text(values.read_text().replace("2Gi", "1Gi"))
    classes = root / "storage/classes.yaml"
    classes.write_text(classes.read_text().replace("name: fast", "name: faster"))
    # a StorageClass changed: every claim may be affected, no Secret is
    assert _changed_findings(root, capsys) == [("apps/a/values.yaml", "SC001"), ("apps/b/values.yaml", "SC001")]
    classes.write_text(classes.read_text().replace("name: faster", "name: fast"))
    (root / ".m0sh1-lint.yaml").write_text("kubernetesVersion: '1.32'\n")
    # the config changed: anything may have, so everything is reported
    assert len(_changed_findings(root, capsys)) == 4
    (root / ".m0sh1-lint.yaml").write_text("kubernetesVersion: '1.31'\n")
    classes.unlink()
    # a deleted file: what it made relates no finding to it any more, so everything is reported
    assert len(_changed_findings(root, capsys)) == 4


def test_changed_template_reports_the_values_key_it_no_longer_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import lint_json

    root = _changed_repo(tmp_path / "repo")
    _, document = lint_json(root, "--changed", "--select", "CH006", capsys=capsys)
    assert document["findings"] == []
    template = root / "apps/b/templates/pvc.yaml"
    template.write_text(template.read_text().replace(".Values.size", ".Values.sizes"))
    _, document = lint_json(root, "--changed", "--select", "CH006", capsys=capsys)
    # only the template changed; the finding is at the values line it no longer reads
    assert [(f["file"], f["line"], f["rule"]) for f in document["findings"]] == [("apps/b/values.yaml", 2, "CH006")]
