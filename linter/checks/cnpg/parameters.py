"""PG006: PostgreSQL parameters CloudNativePG manages itself or keeps at their defaults."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ...model import Violation
from ...views import Views
from .shared import CLUSTER, mapping, violation

# CNPG FixedConfigurationParameters ∪ the "Fixed parameters" doc list (docs/reference/cnpg.md#31-the-list):
# the webhook rejects these (or accepts only the operator's own value), and the operator ignores
# them at runtime.
FIXED_PARAMETERS: dict[str, str] = {
    **dict.fromkeys(
        [
            "archive_mode",
            "cluster_name",
            "port",
            "primary_conninfo",
            "primary_slot_name",
            "recovery_target",
            "recovery_target_action",
            "recovery_target_inclusive",
            "recovery_target_lsn",
            "recovery_target_name",
            "recovery_target_time",
            "recovery_target_timeline",
            "recovery_target_xid",
            "restore_command",
            "shared_preload_libraries",
            "temp_tablespaces",
            "archive_command",
            "pg_failover_slots.primary_dsn",
            "pg_failover_slots.standby_slot_names",
            "ssl",
            "ssl_ca_file",
            "ssl_cert_file",
            "ssl_crl_file",
            "ssl_dh_params_file",
            "ssl_key_file",
            "ssl_passphrase_command",
            "ssl_passphrase_command_supports_reload",
            "ssl_prefer_server_ciphers",
            "synchronous_standby_names",
            "synchronized_standby_slots",
            "allow_alter_system",
        ],
        "fixed",
    ),
    **dict.fromkeys(
        [
            "allow_system_table_mods",
            "bonjour",
            "bonjour_name",
            "config_file",
            "data_directory",
            "data_sync_retry",
            "event_source",
            "external_pid_file",
            "hba_file",
            "hot_standby",
            "ident_file",
            "jit_provider",
            "listen_addresses",
            "logging_collector",
            "unix_socket_directories",
            "unix_socket_group",
            "unix_socket_permissions",
            "archive_cleanup_command",
            "log_destination",
            "log_directory",
            "log_file_mode",
            "log_filename",
            "log_rotation_age",
            "log_rotation_size",
            "log_truncate_on_rotation",
            "promote_trigger_file",
            "recovery_end_command",
            "recovery_min_apply_delay",
            "restart_after_crash",
            "stats_temp_directory",
            "syslog_facility",
            "syslog_ident",
            "syslog_sequence_numbers",
            "syslog_split_messages",
        ],
        "blocked",
    ),
}
# Where the setting belongs instead, for the parameters that have a CNPG field of their own.
PARAMETER_FIXES: dict[str, str] = {
    "archive_mode": (
        "Remove `archive_mode`: CloudNativePG turns WAL archiving on itself once `spec.backup.barmanObjectStore` "
        "or a WAL-archiver plugin is configured"
    ),
    "archive_command": (
        "Remove `archive_command`: CloudNativePG archives WAL through `spec.backup.barmanObjectStore` or a "
        "WAL-archiver plugin"
    ),
    "restore_command": (
        "Remove `restore_command`: recovery reads WAL from the `externalClusters` entry named by "
        "`bootstrap.recovery.source`"
    ),
    "shared_preload_libraries": "Remove it and list extra libraries under `spec.postgresql.shared_preload_libraries`",
    "allow_alter_system": "Remove it and set `spec.postgresql.enableAlterSystem` instead",
    "synchronous_standby_names": "Remove it and configure `spec.postgresql.synchronous` instead",
    "primary_conninfo": "Remove it: CloudNativePG wires replicas itself (`spec.replica` for replica clusters)",
    "recovery_min_apply_delay": "Remove it: CloudNativePG does not support delayed replicas through this parameter",
}


def _parameter_fix(key: str) -> str:
    name = key.lower()
    if name in PARAMETER_FIXES:
        return PARAMETER_FIXES[name].replace(f"`{name}`", f"`{key}`")
    if name.startswith("recovery_target"):
        return f"Remove `{key}` and use `bootstrap.recovery.recoveryTarget` for point-in-time recovery"
    if name.startswith("ssl"):
        return f"Remove `{key}`: CloudNativePG manages TLS; use `spec.certificates` for your own certificates"
    if name.startswith(("log_", "logging_", "syslog_")):
        return f"Remove `{key}`: CloudNativePG logs to stdout in JSON itself"
    return f"Remove `{key}` from `spec.postgresql.parameters`"


@dataclass(frozen=True)
class ParameterParams:
    additional: tuple[str, ...] = field(default=(), metadata={"doc": "More parameters to flag."})
    allow: tuple[str, ...] = field(default=(), metadata={"doc": "Parameters not to flag."})


def check_fixed_parameters(views: Views, params: ParameterParams) -> Iterator[Violation]:
    managed = {**FIXED_PARAMETERS, **dict.fromkeys(params.additional, "fixed")}
    for name in params.allow:
        managed.pop(name, None)
    for cluster in views.inventory.of_kind(CLUSTER):
        parameters = cluster.get(("spec", "postgresql", "parameters"))
        for key in mapping(parameters):
            status = managed.get(str(key).lower())  # GUC names are case-insensitive
            if status is None:
                continue
            how = "manages itself" if status == "fixed" else "keeps at its default"
            fields = {"parameter": str(key), "status": how, "fix": _parameter_fix(str(key))}
            yield violation(views, cluster, ("spec", "postgresql", "parameters", key), fields)
