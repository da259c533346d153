"""CloudNativePG rules (PG): one module per concern.

| rule | module |
|---|---|
| PG001 object store configuration | stores.py |
| PG002 retention and target formats | a `field` template rule (rules/cnpg/PG002-*.yaml) |
| PG003 a Cluster without backups | backups.py |
| PG004 Barman Cloud plugin wiring | plugins.py |
| PG005 ScheduledBackups | scheduled.py (schedules: cron.py) |
| PG006 fixed parameters | parameters.py |
| PG007 two Clusters archiving to one folder | destinations.py |
| PG008 deprecated in-tree Barman Cloud | a `field` template rule (rules/cnpg/PG008-*.yaml) |
| PG009 secrets | the `secret-reference` check (checks/secrets.py), group `cnpg` |
| PG010 recovery source | recovery.py |
| PG011 an ObjectStore no Cluster names | unused.py |
"""

from __future__ import annotations

from ..base import AnyCheck, Check, NoParams
from .backups import check_backup_missing
from .destinations import check_shared_destination
from .parameters import ParameterParams, check_fixed_parameters
from .plugins import check_plugin_wiring
from .recovery import check_recovery_source
from .scheduled import check_scheduled_backup
from .shared import BASE_FIELDS, PROBLEM_FIELDS, PluginParams
from .stores import StoreParams, check_backup_store
from .unused import check_object_store_unused

CHECKS: list[AnyCheck] = [
    Check(
        "cnpg-backup-store",
        check_backup_store,
        StoreParams,
        PROBLEM_FIELDS,
        "Barman object store stanzas: destination, credentials, compression, encryption, endpoint.",
    ),
    Check(
        "cnpg-backup-missing",
        check_backup_missing,
        PluginParams,
        BASE_FIELDS | {"reason", "plugin"},
        "Clusters whose WAL nothing archives.",
    ),
    Check(
        "cnpg-plugin-wiring",
        check_plugin_wiring,
        PluginParams,
        PROBLEM_FIELDS,
        "Barman Cloud plugin entries, the ObjectStores they name, and WAL-archiver flags.",
    ),
    Check(
        "cnpg-scheduled-backup",
        check_scheduled_backup,
        PluginParams,
        PROBLEM_FIELDS,
        "ScheduledBackups: schedule, Cluster, backup method.",
    ),
    Check(
        "cnpg-fixed-parameter",
        check_fixed_parameters,
        ParameterParams,
        BASE_FIELDS | {"parameter", "status", "fix"},
        "PostgreSQL parameters CloudNativePG manages or blocks.",
    ),
    Check(
        "cnpg-shared-destination",
        check_shared_destination,
        PluginParams,
        BASE_FIELDS | {"destination", "server", "others", "fix"},
        "Clusters that archive WAL to the same folder.",
    ),
    Check(
        "cnpg-recovery-source",
        check_recovery_source,
        NoParams,
        BASE_FIELDS | {"source", "problem", "fix"},
        "`bootstrap.recovery.source` and its `externalClusters` entry.",
    ),
    Check(
        "cnpg-object-store-unused",
        check_object_store_unused,
        NoParams,
        BASE_FIELDS,
        "Barman Cloud ObjectStores that no Cluster archives to or recovers from.",
    ),
]
