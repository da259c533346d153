"""Secret inventory behaviour beyond the fixtures: values never printed, the audit table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linter.cli import main
from linter.core.sensitive import masked_lines

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).parent.parent / "examples" / "homelab"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_plaintext_values_are_never_printed(fmt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(FIXTURES / "SS003" / "fail.plaintext-manifest", tree)
    assert "hunter2-do-not-print" in (tree / "secrets" / "db-auth.yaml").read_text()
    assert main(["--format", fmt, "--root", str(tree), str(tree)]) == 1
    out, err = capsys.readouterr()
    assert "SS003" in out
    assert "hunter2" not in out + err


def test_inventory_secrets_table_reproduces_the_seed_audit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", "secrets", "--format", "json", "--namespace", "apps", str(EXAMPLE)]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)["secrets"]}
    assert rows["harbor-admin"]["status"] == "ok"
    assert rows["harbor-admin"]["referencedBy"] == [
        "apps/user/harbor/templates/bootstrap-job.yaml:27",
        "apps/user/harbor/values.yaml:43",
    ]
    assert rows["harbor-jobservice-internal"]["status"] == "missing"
    assert rows["harbor-valkey"]["status"] == "not deployed"
    assert rows["harbor-valkey"]["producers"] == [
        "apps/user/secrets-apps/harbor-valkey.sealedsecret.yaml (not deployed)"
    ]
    assert rows["harbor-postgres-auth"]["status"] == "missing keys: username"
    assert rows["harbor-postgres-ca"]["status"] == "generated"
    assert rows["wildcard-m0sh1-cc"]["keys"] == ["tls.crt", "tls.key"]


def test_inventory_secrets_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", "secrets", "--no-color", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "harbor-valkey" in out and "not deployed" in out and "\x1b[" not in out
    # a Secret referenced twice: one place per line of the cell, not an escaped "\n"
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if " harbor-admin " in line)
    assert lines[first].split()[-2:] == ["apps/user/harbor/templates/bootstrap-job.yaml:27", "ok"]
    assert lines[first + 1].split() == ["apps/user/harbor/values.yaml:43"]
    assert "\\n" not in out


@pytest.mark.parametrize(
    ("key", "value", "held"),
    [
        ("password", "x", True),
        ("tls.key", "...", True),
        ("DATABASE_URL", "postgresql://app:hunter2@db:5432/app", True),
        ("DATABASE_URL", "postgresql://db:5432/app", False),
        ("key.pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", True),
        ("config.yaml", "db:\n  host: x\n  password: s3cret\n", True),
        ("config.yaml", "db:\n  host: x\n  password_file: /run/secrets/db\n  password: ''\n", False),
        ("config", '{"tlsClientConfig": {"insecure": false}}', False),
        ("config", '{"bearerToken": "eyJhbGciOi"}', True),
        (".env", "LOG_LEVEL=debug\nexport API_TOKEN=abc\n", True),
        ("server", "https://prod.example.com:6443", False),
        ("name", "prod", False),
        ("config.json", "[" * 100_000 + "]" * 100_000, False),  # nested too deep for json: no crash
    ],
)
def test_which_secret_entries_hold_credentials(key: str, value: str, held: bool) -> None:
    from linter.core.sensitive import holds_credential

    assert holds_credential(key, value) is held


@pytest.mark.parametrize(
    "text",
    [
        'kind: Secret\nstringData: {password: "abc\n  } LEAK", k: a, k: b}\n',  # a quote over two lines
        "kind: Secret\nstringData: {a: b, # see }\n  url: postgres://u:LEAK@db, k: a}\n",  # a brace in a comment
        "kind: Secret\nstringData: {user: it's, b: 'x}y', password: LEAK}\n",  # an apostrophe in a plain value
        '{"kind":"Secret","data":{"a":\n"LEAK"}, "stringData": {"p": "LEAK"}}\n',  # a second map after one closes
        "kind: &k Secret\ndata: !!map {k: LEAK}\n",  # an anchor, a tag
        "kind: !<tag:yaml.org,2002:str> Secret\ndata: &d\n  k: LEAK\n",
        '{\n  "kind": "Secret",\n  "data":\n  {\n    "k": "LEAK"\n  }\n}\n',  # JSON, the brace on its own line
        "kind: Secret\nstringData:\n  conf: |\n    LEAK\n    LEAK\n  other: LEAK\n",
        "- kind: Secret\n  data: {k: LEAK}\n",  # a file of objects
        "kind: List\nitems:\n  - {kind: Secret, data: {k: LEAK}}\n",
        "kind: SealedSecret\nspec:\n  template:\n    data: {k: LEAK, k: LEAK}\n",
        "kind: Secret\nstringData: {k: LEAK, : : ]\n",  # does not parse: masked by the lines' shape
    ],
)
def test_secret_values_are_masked_however_the_secret_is_written(text: str) -> None:
    shown = "".join(masked_lines(text))
    assert "LEAK" not in shown and shown.count("\n") == text.count("\n")


def test_masking_leaves_what_is_not_a_secret_value_readable() -> None:
    text = "kind: Secret\nmetadata: {name: db, labels: {a: b}}\nstringData: {user: o'brien}\ntype: Opaque\n"
    assert masked_lines(text) == [
        "kind: Secret\n",
        "metadata: {name: db, labels: {a: b}}\n",
        "stringData: {***}\n",
        "type: Opaque\n",
    ]
