"""PG001: Barman object store configuration (in-tree `barmanObjectStore` stanzas and the plugin's
ObjectStore `spec.configuration`): destination, credentials, compression, encryption, endpoint."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...core.suggest import close_matches
from ...model import Resource, Violation, YamlPath, format_path
from ...model.objpath import expand_path
from ...views import Views
from ..wording import alternatives, scalar
from .shared import CLUSTER, OBJECT_STORE, Problem, mapping, violation

WAL_COMPRESSION = ("bzip2", "gzip", "lz4", "snappy", "xz", "zstd")
DATA_COMPRESSION = ("bzip2", "gzip", "lz4", "snappy")  # lz4 from CNPG 1.28.4/1.29.2/1.30.0, plugin 0.13.0
WAL_ONLY = ("xz", "zstd")  # never accepted for base backups, in any release
ENCRYPTION = ("AES256", "aws:kms")
CREDENTIALS = ("s3Credentials", "azureCredentials", "googleCredentials")


def _barman_stores(views: Views) -> Iterator[tuple[Resource, YamlPath]]:
    """Every place that holds a BarmanObjectStoreConfiguration."""
    for cluster in views.inventory.of_kind(CLUSTER):
        for path in ("spec.backup.barmanObjectStore", "spec.externalClusters[*].barmanObjectStore"):
            yield from ((cluster, ypath) for ypath in expand_path(cluster.data, path))
    for store in views.inventory.of_kind(OBJECT_STORE):
        yield store, ("spec", "configuration")


def _destination_problems(store: Mapping[str, Any], where: str) -> Iterator[Problem]:
    value = store.get("destinationPath")
    if value is None:
        yield (
            (),
            f"has no `destinationPath` in `{where}`",
            "Set `destinationPath` to the bucket and folder backups go to, e.g. `s3://cnpg-backups/<cluster>/`",
            (),
        )
    elif not isinstance(value, str) or not value.strip():
        yield (
            ("destinationPath",),
            f"has an empty `{where}.destinationPath`",
            "Set `destinationPath` to the bucket and folder backups go to, e.g. `s3://cnpg-backups/<cluster>/`",
            (),
        )


def _credential_problems(store: Mapping[str, Any], where: str) -> Iterator[Problem]:
    blocks = [key for key in store if key in CREDENTIALS and store[key] is not None]
    if not blocks:
        yield (
            (),
            (
                f"has no credentials in `{where}`: one of `s3Credentials`, `azureCredentials` or "
                "`googleCredentials` is required"
            ),
            (
                "Add `s3Credentials` with `accessKeyId` and `secretAccessKey` secret references (or "
                "`inheritFromIAMRole: true`)"
            ),
            (),
        )
    for extra in blocks[1:]:
        yield (
            (extra,),
            f"sets both `{blocks[0]}` and `{extra}` in `{where}`: exactly one credentials block is allowed",
            "Keep only the credentials block of the store `destinationPath` points at",
            (),
        )
    checks = {"s3Credentials": _s3_problems, "azureCredentials": _azure_problems, "googleCredentials": _google_problems}
    for block in blocks:
        for rel, problem, fix, suggestions in checks[block](mapping(store[block]), f"{where}.{block}"):
            yield (block, *rel), problem, fix, suggestions


def _present(creds: Mapping[str, Any], key: str) -> bool:
    return creds.get(key) not in (None, "", False)


def _s3_problems(creds: Mapping[str, Any], where: str) -> Iterator[Problem]:
    keys = [k for k in ("accessKeyId", "secretAccessKey") if _present(creds, k)]
    if creds.get("inheritFromIAMRole") is True:
        if keys:
            yield (
                ("inheritFromIAMRole",),
                f"sets `inheritFromIAMRole: true` together with access keys in `{where}`",
                "Use either `inheritFromIAMRole: true` or `accessKeyId` and `secretAccessKey`, not both",
                (),
            )
        return
    if not keys:
        yield (
            (),
            f"has neither access keys nor `inheritFromIAMRole: true` in `{where}`",
            "Add `accessKeyId` and `secretAccessKey` secret references, or set `inheritFromIAMRole: true`",
            (),
        )
    elif len(keys) == 1:
        missing = "secretAccessKey" if keys[0] == "accessKeyId" else "accessKeyId"
        yield (
            (keys[0],),
            f"sets `{where}.{keys[0]}` without `{missing}`: both keys are required",
            f"Add `{missing}` with the name and key of the secret that holds it",
            (),
        )


def _azure_problems(creds: Mapping[str, Any], where: str) -> Iterator[Problem]:
    methods = [
        k
        for k in ("storageKey", "storageSasToken", "inheritFromAzureAD", "useDefaultAzureCredentials")
        if _present(creds, k)
    ]
    if _present(creds, "connectionString"):
        if methods or _present(creds, "storageAccount"):
            yield (
                ("connectionString",),
                f"sets `connectionString` together with other Azure credentials in `{where}`",
                "Use `connectionString` alone, or drop it and use `storageAccount` with one authentication method",
                (),
            )
        return
    if not methods:
        yield (
            (),
            f"has no Azure authentication in `{where}`",
            (
                "Set `connectionString`, or `storageAccount` with `storageKey` or `storageSasToken`, or "
                "`inheritFromAzureAD` or `useDefaultAzureCredentials`"
            ),
            (),
        )
        return
    for extra in methods[1:]:
        yield (
            (extra,),
            f"sets both `{methods[0]}` and `{extra}` in `{where}`: exactly one Azure authentication method is allowed",
            "Keep one of `storageKey`, `storageSasToken`, `inheritFromAzureAD` and `useDefaultAzureCredentials`",
            (),
        )
    if methods[0] in ("storageKey", "storageSasToken") and not _present(creds, "storageAccount"):
        yield (
            (methods[0],),
            f"sets `{where}.{methods[0]}` without `storageAccount`",
            "Add `storageAccount` with the name and key of the secret that holds the account name",
            (),
        )


def _google_problems(creds: Mapping[str, Any], where: str) -> Iterator[Problem]:
    gke, application = creds.get("gkeEnvironment") is True, _present(creds, "applicationCredentials")
    if gke and application:
        yield (
            ("gkeEnvironment",),
            f"sets both `gkeEnvironment: true` and `applicationCredentials` in `{where}`",
            "Use either `gkeEnvironment: true` or `applicationCredentials`, not both",
            (),
        )
    elif not gke and not application:
        yield (
            (),
            f"has neither `applicationCredentials` nor `gkeEnvironment: true` in `{where}`",
            "Add `applicationCredentials` with a secret reference, or set `gkeEnvironment: true` on GKE",
            (),
        )


def _section_problems(
    store: Mapping[str, Any], where: str, section: str, compressions: tuple[str, ...]
) -> Iterator[Problem]:
    settings = store.get(section)
    if not isinstance(settings, dict):
        return
    path = f"{where}.{section}"
    compression = settings.get("compression")
    if compression not in (None, "") and compression not in compressions:
        if section == "data" and compression in WAL_ONLY:
            yield (
                ("data", "compression"),
                (
                    f"sets `{path}.compression` to `{compression}`, which base backups never accept: `xz` and "
                    "`zstd` are for WAL only"
                ),
                f"Use {alternatives(compressions)} for `data.compression` "
                f"(`{compression}` stays valid for `wal.compression`)",
                (),
            )
        else:
            yield (
                (section, "compression"),
                f"sets `{path}.compression` to `{scalar(compression)}`, which is not {alternatives(compressions)}",
                f"Use {alternatives(compressions)}, or drop `compression` for none",
                close_matches(str(compression).lower(), compressions),
            )
    encryption = settings.get("encryption")
    if encryption not in (None, "") and encryption not in ENCRYPTION:
        same = tuple(e for e in ENCRYPTION if str(encryption).lower() in e.lower())  # `aes256`, `kms`
        yield (
            (section, "encryption"),
            f"sets `{path}.encryption` to `{scalar(encryption)}`, which is not `AES256` or `aws:kms`",
            "Use `AES256` or `aws:kms`, or drop `encryption` to follow the bucket policy",
            same or close_matches(str(encryption), ENCRYPTION),
        )
    count = "maxParallel" if section == "wal" else "jobs"
    value = settings.get(count)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        shown = f'"{value}"` (a string)' if isinstance(value, str) else f"{scalar(value)}`"
        yield (
            (section, count),
            f"sets `{path}.{count}` to `{shown}; it must be a whole number of at least 1",
            f"Set `{count}` to 1 or more, or drop it for the default",
            (),
        )


def _endpoint_problems(store: Mapping[str, Any], where: str) -> Iterator[Problem]:
    url = store.get("endpointURL")
    if url is None or url == "":
        return
    field = f"`{where}.endpointURL` `{scalar(url)}`"
    fix = (
        "Set `endpointURL` to the scheme, host and port only, e.g. `https://minio.example.svc:443`; the bucket "
        "and folder belong in `destinationPath`"
    )
    if not isinstance(url, str) or "://" not in url:
        yield (
            ("endpointURL",),
            f"has {field} without an `http://` or `https://` scheme",
            fix,
            ((f"https://{url}",) if isinstance(url, str) else ()),
        )
        return
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        yield ("endpointURL",), f"has {field} with scheme `{parts.scheme}`; only `http` and `https` work", fix, ()
        return
    try:
        port_ok = parts.hostname is not None and (parts.port is None or parts.port > 0)
    except ValueError:  # urlsplit raises on a non-numeric or out-of-range port
        port_ok = False
    if not parts.hostname or not port_ok:
        yield ("endpointURL",), f"has {field} without a valid host and port", fix, ()
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        extra = (
            parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        )
        what = "a path" if parts.path not in ("", "/") else "a query"
        yield ("endpointURL",), f"has {field} with {what} (`{extra}`)", fix, (f"{parts.scheme}://{parts.netloc}",)


def store_problems(
    store: Mapping[str, Any], where: str, wal: tuple[str, ...], data: tuple[str, ...]
) -> Iterator[Problem]:
    """Every problem of one BarmanObjectStoreConfiguration, at the offending field (relative)."""
    yield from _destination_problems(store, where)
    yield from _credential_problems(store, where)
    yield from _section_problems(store, where, "wal", wal)
    yield from _section_problems(store, where, "data", data)
    yield from _endpoint_problems(store, where)


@dataclass(frozen=True)
class StoreParams:
    wal_compression: tuple[str, ...] = field(
        default=WAL_COMPRESSION, metadata={"doc": "Accepted `wal.compression` values.", "schema": {"minItems": 1}}
    )
    data_compression: tuple[str, ...] = field(
        default=DATA_COMPRESSION, metadata={"doc": "Accepted `data.compression` values.", "schema": {"minItems": 1}}
    )


def check_backup_store(views: Views, params: StoreParams) -> Iterator[Violation]:
    for resource, holder in _barman_stores(views):
        store = resource.get(holder)
        where = format_path(holder)
        if not isinstance(store, dict):  # only an ObjectStore gets here without one: it is required
            fields = {
                "problem": f"has no `{where}`",
                "fix": "Add `spec.configuration` with `destinationPath` and one credentials block",
            }
            yield violation(views, resource, holder, fields)
            continue
        for rel, problem, fix, suggestions in store_problems(
            store, where, params.wal_compression, params.data_compression
        ):
            yield violation(views, resource, holder + rel, {"problem": problem, "fix": fix}, suggestions)
