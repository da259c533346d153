"""The seed document end to end: its "before" state has every storage-class defect it lists,
at the line to edit; its "after" state has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import lint_json

EXAMPLE = Path(__file__).parent.parent / "examples" / "homelab"

# (file, line, rule, class) for every defect the seed lists: Change 1 (values), Change 2 (the
# three PVCs), Change 4 (template defaults), Change 5 (migration block), Change 6 (Valkey),
# Change 8 (HarborGuard, deployed only by a disabled Application but still linted).
SEED_DEFECTS = {
    ("apps/user/harbor/values.yaml", 14, "SC001", "proxmox-csi-zfs-pgdata-retain"),
    ("apps/user/harbor/values.yaml", 18, "SC001", "proxmox-csi-zfs-pgwal-retain"),
    ("apps/user/harbor/templates/pvc.yaml", 11, "SC001", "proxmox-csi-zfs-registry-retain"),
    ("apps/user/harbor/templates/pvc.yaml", 28, "SC001", "proxmox-csi-zfs-pgdata-retain"),
    ("apps/user/harbor/templates/pvc.yaml", 45, "SC001", "proxmox-csi-zfs-caches-delete"),
    ("apps/user/harbor/templates/postgres-cluster.yaml", 20, "SC003", "proxmox-csi-zfs-pgdata-retain"),
    ("apps/user/harbor/templates/postgres-cluster.yaml", 25, "SC003", "proxmox-csi-zfs-pgwal-retain"),
    ("apps/user/harbor/values.yaml", 289, "SC002", "proxmox-csi-zfs-registry-retain"),
    ("apps/user/harbor/values.yaml", 294, "SC002", "proxmox-csi-zfs-pgdata-retain"),
    ("apps/user/harbor/values.yaml", 298, "SC002", "proxmox-csi-zfs-pgdata-retain"),
    ("apps/user/harbor/values.yaml", 302, "SC002", "proxmox-csi-zfs-caches-delete"),
    ("apps/cluster/valkey/values.yaml", 26, "SC001", "proxmox-csi-zfs-pgdata-retain"),  # the rendered subchart PVC
    ("apps/user/harborguard/values.yaml", 40, "SC001", "proxmox-csi-zfs-registry-retain"),
}
RENAMES = {
    "proxmox-csi-zfs-pgdata-retain": "proxmox-csi-zfs-nvme-fast-retain",
    "proxmox-csi-zfs-pgwal-retain": "proxmox-csi-zfs-nvme-general-retain",
    "proxmox-csi-zfs-registry-retain": "proxmox-csi-zfs-sata-object-retain",
    "proxmox-csi-zfs-caches-delete": "proxmox-csi-zfs-nvme-fast-retain",
}


def test_before_state_reports_every_seed_defect_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = lint_json(EXAMPLE, "--select", "SC", capsys=capsys)
    found = {
        (f["file"], f["line"], f["rule"], next(c for c in RENAMES if f"`{c}`" in f["message"]))
        for f in document["findings"]
    }
    assert code == 1
    assert found == SEED_DEFECTS
    assert len(document["findings"]) == len(SEED_DEFECTS)
    for finding in document["findings"]:  # the config's renames give the exact replacement
        old = next(c for c in RENAMES if f"`{c}`" in finding["message"])
        assert finding["suggestions"] == [RENAMES[old]]


def test_after_state_is_clean(seed_after: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No errors. Two warnings remain, both true of the seed's own after state: Change 3 uses the
    # deprecated in-tree barmanObjectStore (PG008), and the single-instance cluster keeps CNPG's
    # default PodDisruptionBudget, which blocks node drains (NP006). Change 5's `migration`
    # section is notes no template reads, a whole top-level block: CH006 leaves it alone.
    code, document = lint_json(seed_after, capsys=capsys)
    found = [(f["file"], f["line"], f["rule"], f["severity"]) for f in document["findings"]]
    assert found == [
        ("apps/user/harbor/templates/postgres-cluster.yaml", 71, "PG008", "warning"),
        ("apps/user/harbor/values.yaml", 9, "NP006", "warning"),
    ]
    assert code == 0


def test_values_finding_names_the_rendered_object(capsys: pytest.CaptureFixture[str]) -> None:
    _, document = lint_json(EXAMPLE, "--select", "SC001", capsys=capsys)
    values_finding = next(
        f for f in document["findings"] if f["file"] == "apps/user/harbor/values.yaml" and f["line"] == 14
    )
    assert values_finding["message"] == (
        "Cluster `harbor-postgres` requests StorageClass `proxmox-csi-zfs-pgdata-retain` at "
        "`spec.storage.storageClass`, which no enabled app defines"
    )
    assert values_finding["resource"] == {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "namespace": "apps",
        "name": "harbor-postgres",
    }
    assert values_finding["column"] == 5
