"""Source frames in the text output: the line a finding points at, a marker under its column."""

from __future__ import annotations

import io
import re
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from conftest import application, git_repo
from linter.cli import main
from linter.report.frames import MAX_WIDTH, frame

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "homelab"


@pytest.fixture(scope="module")
def example_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    tree = tmp_path_factory.mktemp("frames") / "homelab"
    shutil.copytree(EXAMPLE, tree)
    long_line = tree / "apps/user/harbor/templates/postgres-cluster.yaml"
    long_line.write_text(
        long_line.read_text().replace(
            "{{ .Values.postgresql.walStorage.storageClass |",
            "{{ .Values.postgresql.walStorage.storageClass" + " | trim" * 30 + " |",
        )
    )
    return _text(tree)


def _text(tree: Path, *args: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        main(["lint", "--root", str(tree), "--no-color", *args, str(tree)])
    return out.getvalue()


def _block(text: str, head: str) -> str:
    """The finding that starts with `head`, up to the blank line after it."""
    start = text.index(head)
    end = text.find("\n\n", start)
    return text[start : end if end >= 0 else len(text)]


def test_values_file_and_manifest_findings_are_framed(example_text: str) -> None:
    block = _block(example_text, "apps/user/harbor/values.yaml:14:5 SC001")
    assert block.splitlines()[1:4] == [
        "   |",
        "14 |     storageClass: proxmox-csi-zfs-pgdata-retain",  # line 13 is a comment, not its parent
        "   |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    ]
    secret_ref = _block(example_text, "apps/user/harbor/templates/bootstrap-job.yaml:42:19 SS001")
    assert secret_ref.splitlines()[1:5] == [
        "   |",
        "41 |                 secretKeyRef:",
        "42 |                   name: harbor-valkey",
        "   |                   ^^^^^^^^^^^^^^^^^^^",
    ]


def test_template_finding_marks_the_literal(example_text: str) -> None:
    block = _block(example_text, "apps/user/harbor/templates/postgres-cluster.yaml:20:72 SC003")
    assert block.splitlines()[1:4] == [
        "   |",
        '20 |     storageClass: {{ .Values.postgresql.storage.storageClass | default "proxmox-csi-zfs-pgdata-retain" '
        "}}",
        "   |" + " " * 72 + "^" * len('"proxmox-csi-zfs-pgdata-retain"'),
    ]


def test_finding_at_column_one(example_text: str) -> None:
    block = _block(example_text, "apps/user/harbor/templates/postgres-cluster.yaml:12:1 PG003")
    assert block.splitlines()[1:4] == ["   |", "12 | spec:", "   | ^^^^^"]


def test_finding_at_the_end_of_a_long_line_is_cut_around_the_marker(example_text: str) -> None:
    head = next(
        line
        for line in example_text.splitlines()
        if line.startswith("apps/user/harbor/templates/postgres-cluster.yaml:25:") and " SC003 " in line
    )
    shown, marker = _block(example_text, head).splitlines()[2:4]
    literal = '"proxmox-csi-zfs-pgwal-retain"'
    assert shown.startswith("25 | …") and shown.endswith(literal + " }}")
    assert len(shown) - len("25 | ") <= MAX_WIDTH + 2
    column = shown.index(literal)
    assert marker == "   |" + " " * (column - len("   |")) + "^" * len(literal)


def test_concise_and_quiet_show_no_frames(example_text: str, tmp_path: Path) -> None:
    tree = tmp_path / "homelab"
    shutil.copytree(EXAMPLE, tree)
    concise = _text(tree, "--concise")
    assert " | " not in concise and "did you mean `proxmox-csi-zfs-nvme-fast-retain`?" in concise
    quiet = _text(tree, "-q")
    assert quiet.splitlines() and all(re.match(r"\S+:\d+:\d+ [A-Z]{2}\d{3} ", line) for line in quiet.splitlines())


MARKER = "frame-marker-S3cr3t-7Qx"


def test_a_secret_value_is_never_framed(tmp_path: Path) -> None:
    """A plaintext Secret (SS003 points into its stringData) and a Secret whose type is wrong."""
    repo = git_repo(
        tmp_path / "repo",
        {
            "apps/web.yaml": application("web", "web"),
            "web/secret.yaml": (
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web\n  namespace: web\n"
                f"stringData:\n  password: {MARKER}\n  apiToken: |\n    {MARKER}-block\n"
            ),
            "web/typed.yaml": (
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: typed\n  namespace: web\n"
                f"data:\n  token: 12345\n  plain: {MARKER}\n"
            ),
        },
    )
    text = _text(repo)
    assert "7 |   password: ***\n  |   ^^^^^^^^^^^^^\n" in text and "7 |   token: ***\n" in text
    assert MARKER not in text and "12345" not in text


def test_secret_values_in_flow_style_json_or_tagged_secrets_are_never_framed(tmp_path: Path) -> None:
    """Findings that are not about the Secret (a duplicate key, an unused suppression) still
    frame its lines: the values there are masked however the Secret is written."""
    b64 = "U0VLUkVUVkFMVUU="  # base64 of a value
    head = "apiVersion: v1\nkind: Secret\nmetadata: {name: NAME, namespace: web}\n"
    repo = git_repo(
        tmp_path / "repo",
        {
            "apps/web.yaml": application("web", "web"),
            "web/flow.yaml": head.replace("NAME", "flow") + f"data: {{k: {b64}, k: {b64}}}\n",
            "web/unused.yaml": head.replace("NAME", "unused")
            + f"stringData: {{k: {MARKER}}}  # m0sh1-lint: disable=SC001\n",
            "web/line.yaml": f"{{apiVersion: v1, kind: Secret, metadata: {{name: line, namespace: web}}, "
            f"data: {{k: {b64}, k: {b64}}}}}\n",
            "web/json.yaml": (
                '{\n  "apiVersion": "v1",\n  "kind": "Secret",\n  "metadata": {"name": "json", "namespace": "web"},\n'
                f'  "data": {{\n    "k": "{b64}",\n    "k": "{b64}"\n  }}\n}}\n'
            ),
            "web/tagged.yaml": head.replace("kind: Secret", "kind: !!str Secret").replace("NAME", "tagged")
            + f"data:\n  k: {b64}\n  k: {b64}\n",
            "web/sealed.yaml": (
                "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: sealed, namespace: web}\n"
                f"spec:\n  encryptedData: {{k: AgB1}}\n  template: {{data: {{k: {MARKER}, k: {MARKER}}}}}\n"
            ),
        },
    )
    text = _text(repo)
    framed = {m.group(1) for m in re.finditer(r"^(web/[a-z]+\.yaml):\d+:\d+ (?:LD002|LN001)", text, re.M)}
    assert framed == {
        "web/flow.yaml",
        "web/unused.yaml",
        "web/line.yaml",
        "web/json.yaml",
        "web/tagged.yaml",
        "web/sealed.yaml",
    }
    assert " | " in text  # frames are shown
    assert b64 not in text and MARKER not in text


def test_frame_shapes() -> None:
    lines = ["a:\n", "  b: 'quoted value' # comment\n", "\tc: x\n"]
    quoted = frame(lines, 2, 6)
    assert quoted is not None and quoted.lines[-1] == (2, "  b: 'quoted value' # comment")
    assert (quoted.start, quoted.width) == (5, len("'quoted value'"))
    keyed = frame(lines, 2, 3)
    assert keyed is not None and keyed.lines[0] == (1, "a:") and keyed.width == len("b: 'quoted value'")
    assert frame(lines, 4, 1) is None and frame(lines, 0, 1) is None
    tab = frame(lines, 3, 2)
    assert tab is not None and tab.lines[-1] == (3, " c: x")
    past_end = frame(["x: 1\n"], 1, 40)
    assert past_end is not None and (past_end.start, past_end.width) == (4, 1)
    escaped = frame(["k: \x1b[2Jv\n"], 1, 4)
    assert escaped is not None and escaped.lines[-1][1] == "k: \\e[2Jv" and escaped.width == len("\\e[2Jv")
