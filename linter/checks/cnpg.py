"""CloudNativePG rules (PG): backups, plugin wiring, scheduled backups, parameters, recovery.

The facts behind each check are in the domain reference (A.1–A.7): CNPG's CRDs and admission
webhook, the barman-cloud library and the Barman Cloud plugin. Checks read the inventory only.
A finding points at the field to edit; `locate` moves it to the values-file line when the value
came from values. Cross-object lookups (ObjectStores, Clusters) see what the cluster will contain:
objects enabled apps deploy, plus, for an object of a disabled app, what its own app would create.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from ..findings import Violation
from ..inventory import Inventory
from ..model import Resource, YamlPath, format_path
from ..provenance import locate
from .base import Check, expand_path, kind_matches

CLUSTER = "postgresql.cnpg.io/Cluster"
SCHEDULED_BACKUP = "postgresql.cnpg.io/ScheduledBackup"
OBJECT_STORE = "barmancloud.cnpg.io/ObjectStore"
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"

# (path of the offending field, relative to the checked block), problem, fix, did-you-mean
Problem = tuple[YamlPath, str, str, tuple[str, ...]]

NO_PARAMS: Mapping[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
PLUGIN_PARAMS: Mapping[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"pluginName": {"type": "string", "minLength": 1}},
}
_BASE_FIELDS = frozenset({"kind", "name", "namespace", "field"})


# --- shared helpers -------------------------------------------------------------------------


def _of_kind(inventory: Inventory, selector: str) -> list[Resource]:
    bare = selector.rsplit("/", 1)[-1]
    return [r for r in inventory.by_kind.get(bare, ()) if kind_matches(selector, r.id)]


def _unit(resource: Resource) -> str:
    """What gets deployed together: the Application, else the chart, else the directory."""
    if resource.app:
        return f"app:{resource.app}"
    if resource.render is not None:
        return f"chart:{resource.render.chart_dir}"
    return f"dir:{posixpath.dirname(resource.doc.path)}"


def _exists_for(resource: Resource, other: Resource) -> bool:
    """Objects of disabled apps are linted but not counted, except by their own app (as SC004)."""
    return other.deployed or (not resource.deployed and _unit(other) == _unit(resource))


def _visible(inventory: Inventory, resource: Resource, selector: str) -> list[Resource]:
    return [o for o in _of_kind(inventory, selector) if _exists_for(resource, o)]


def _namespace(resource: Resource) -> str:
    return resource.id.namespace or "default"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _violation(resource: Resource, ypath: YamlPath, fields: Mapping[str, Any], suggestions: Iterable[str] = ()) -> Violation:
    base = {"kind": resource.id.kind, "name": resource.id.name, "namespace": _namespace(resource), "field": format_path(ypath)}
    return Violation(locate(resource, ypath).location, {**base, **fields}, resource.id, tuple(suggestions))


def _close(word: str, options: Iterable[str]) -> tuple[str, ...]:
    return tuple(difflib.get_close_matches(word, sorted(set(options)), n=3, cutoff=0.6))


def _plugins(cluster: Resource) -> list[tuple[YamlPath, dict[str, Any]]]:
    plugins = cluster.get(("spec", "plugins"))
    if not isinstance(plugins, list):
        return []
    return [(("spec", "plugins", i), p) for i, p in enumerate(plugins) if isinstance(p, dict)]


def _enabled(plugin: Mapping[str, Any]) -> bool:
    return plugin.get("enabled") is not False  # CRD default: true


def _wal_archivers(cluster: Resource) -> list[tuple[YamlPath, dict[str, Any]]]:
    return [(path, p) for path, p in _plugins(cluster) if p.get("isWALArchiver") is True and _enabled(p)]


def _in_tree(cluster: Resource) -> bool:
    return isinstance(cluster.get(("spec", "backup", "barmanObjectStore")), dict)


def _object_stores_named(inventory: Inventory, resource: Resource, name: str) -> tuple[Resource | None, list[Resource], list[str]]:
    """The ObjectStore `name` in the resource's namespace; others of that name elsewhere; names there."""
    stores = _visible(inventory, resource, OBJECT_STORE)
    here = [s for s in stores if _namespace(s) == _namespace(resource)]
    found = next((s for s in here if s.id.name == name), None)
    elsewhere = [s for s in stores if s.id.name == name and _namespace(s) != _namespace(resource)]
    return found, elsewhere, [s.id.name for s in here]


# --- PG001: barman object store configuration -----------------------------------------------

WAL_COMPRESSION = ["bzip2", "gzip", "lz4", "snappy", "xz", "zstd"]
DATA_COMPRESSION = ["bzip2", "gzip", "lz4", "snappy"]  # lz4 from CNPG 1.28.4/1.29.2/1.30.0, plugin 0.13.0
WAL_ONLY = ("xz", "zstd")  # never accepted for base backups, in any release
ENCRYPTION = ("AES256", "aws:kms")
CREDENTIALS = ("s3Credentials", "azureCredentials", "googleCredentials")


def _barman_stores(inventory: Inventory) -> Iterator[tuple[Resource, YamlPath]]:
    """Every place that holds a BarmanObjectStoreConfiguration (A.1)."""
    for cluster in _of_kind(inventory, CLUSTER):
        for path in ("spec.backup.barmanObjectStore", "spec.externalClusters[*].barmanObjectStore"):
            yield from ((cluster, ypath) for ypath in expand_path(cluster.data, path))
    for store in _of_kind(inventory, OBJECT_STORE):
        yield store, ("spec", "configuration")


def _listing(options: Iterable[str]) -> str:
    items = [f"`{o}`" for o in options]
    return ", ".join(items[:-1]) + f" or {items[-1]}" if len(items) > 1 else "".join(items)


def _destination_problems(store: Mapping[str, Any], where: str) -> Iterator[Problem]:
    value = store.get("destinationPath")
    if value is None:
        yield (), f"has no `destinationPath` in `{where}`", "Set `destinationPath` to the bucket and folder backups go to, e.g. `s3://cnpg-backups/<cluster>/`", ()
    elif not isinstance(value, str) or not value.strip():
        yield ("destinationPath",), f"has an empty `{where}.destinationPath`", "Set `destinationPath` to the bucket and folder backups go to, e.g. `s3://cnpg-backups/<cluster>/`", ()


def _credential_problems(store: Mapping[str, Any], where: str) -> Iterator[Problem]:
    blocks = [key for key in store if key in CREDENTIALS and store[key] is not None]
    if not blocks:
        yield ((), f"has no credentials in `{where}`: one of `s3Credentials`, `azureCredentials` or `googleCredentials` is required",
               "Add `s3Credentials` with `accessKeyId` and `secretAccessKey` secret references (or `inheritFromIAMRole: true`)", ())
    for extra in blocks[1:]:
        yield ((extra,), f"sets both `{blocks[0]}` and `{extra}` in `{where}`: exactly one credentials block is allowed",
               "Keep only the credentials block of the store `destinationPath` points at", ())
    checks = {"s3Credentials": _s3_problems, "azureCredentials": _azure_problems, "googleCredentials": _google_problems}
    for block in blocks:
        for rel, problem, fix, suggestions in checks[block](_mapping(store[block]), f"{where}.{block}"):
            yield (block, *rel), problem, fix, suggestions


def _present(creds: Mapping[str, Any], key: str) -> bool:
    return creds.get(key) not in (None, "", False)


def _s3_problems(creds: Mapping[str, Any], where: str) -> Iterator[Problem]:
    keys = [k for k in ("accessKeyId", "secretAccessKey") if _present(creds, k)]
    if creds.get("inheritFromIAMRole") is True:
        if keys:
            yield (("inheritFromIAMRole",), f"sets `inheritFromIAMRole: true` together with access keys in `{where}`",
                   "Use either `inheritFromIAMRole: true` or `accessKeyId` and `secretAccessKey`, not both", ())
        return
    if not keys:
        yield ((), f"has neither access keys nor `inheritFromIAMRole: true` in `{where}`",
               "Add `accessKeyId` and `secretAccessKey` secret references, or set `inheritFromIAMRole: true`", ())
    elif len(keys) == 1:
        missing = "secretAccessKey" if keys[0] == "accessKeyId" else "accessKeyId"
        yield ((keys[0],), f"sets `{where}.{keys[0]}` without `{missing}`: both keys are required",
               f"Add `{missing}` with the name and key of the secret that holds it", ())


def _azure_problems(creds: Mapping[str, Any], where: str) -> Iterator[Problem]:
    methods = [k for k in ("storageKey", "storageSasToken", "inheritFromAzureAD", "useDefaultAzureCredentials") if _present(creds, k)]
    if _present(creds, "connectionString"):
        if methods or _present(creds, "storageAccount"):
            yield (("connectionString",), f"sets `connectionString` together with other Azure credentials in `{where}`",
                   "Use `connectionString` alone, or drop it and use `storageAccount` with one authentication method", ())
        return
    if not methods:
        yield ((), f"has no Azure authentication in `{where}`",
               "Set `connectionString`, or `storageAccount` with `storageKey` or `storageSasToken`, or `inheritFromAzureAD` or `useDefaultAzureCredentials`", ())
        return
    for extra in methods[1:]:
        yield ((extra,), f"sets both `{methods[0]}` and `{extra}` in `{where}`: exactly one Azure authentication method is allowed",
               "Keep one of `storageKey`, `storageSasToken`, `inheritFromAzureAD` and `useDefaultAzureCredentials`", ())
    if methods[0] in ("storageKey", "storageSasToken") and not _present(creds, "storageAccount"):
        yield ((methods[0],), f"sets `{where}.{methods[0]}` without `storageAccount`",
               "Add `storageAccount` with the name and key of the secret that holds the account name", ())


def _google_problems(creds: Mapping[str, Any], where: str) -> Iterator[Problem]:
    gke, application = creds.get("gkeEnvironment") is True, _present(creds, "applicationCredentials")
    if gke and application:
        yield (("gkeEnvironment",), f"sets both `gkeEnvironment: true` and `applicationCredentials` in `{where}`",
               "Use either `gkeEnvironment: true` or `applicationCredentials`, not both", ())
    elif not gke and not application:
        yield ((), f"has neither `applicationCredentials` nor `gkeEnvironment: true` in `{where}`",
               "Add `applicationCredentials` with a secret reference, or set `gkeEnvironment: true` on GKE", ())


def _section_problems(store: Mapping[str, Any], where: str, section: str, compressions: list[str]) -> Iterator[Problem]:
    settings = store.get(section)
    if not isinstance(settings, dict):
        return
    path = f"{where}.{section}"
    compression = settings.get("compression")
    if compression not in (None, "") and compression not in compressions:
        if section == "data" and compression in WAL_ONLY:
            yield (("data", "compression"), f"sets `{path}.compression` to `{compression}`, which base backups never accept: `xz` and `zstd` are for WAL only",
                   f"Use {_listing(compressions)} for `data.compression` (`{compression}` stays valid for `wal.compression`)", ())
        else:
            yield ((section, "compression"), f"sets `{path}.compression` to `{_show(compression)}`, which is not {_listing(compressions)}",
                   f"Use {_listing(compressions)}, or drop `compression` for none", _close(str(compression).lower(), compressions))
    encryption = settings.get("encryption")
    if encryption not in (None, "") and encryption not in ENCRYPTION:
        same = tuple(e for e in ENCRYPTION if str(encryption).lower() in e.lower())  # `aes256`, `kms`
        yield ((section, "encryption"), f"sets `{path}.encryption` to `{_show(encryption)}`, which is not `AES256` or `aws:kms`",
               "Use `AES256` or `aws:kms`, or drop `encryption` to follow the bucket policy", same or _close(str(encryption), ENCRYPTION))
    count = "maxParallel" if section == "wal" else "jobs"
    value = settings.get(count)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        shown = f'"{value}"` (a string)' if isinstance(value, str) else f"{_show(value)}`"
        yield ((section, count), f"sets `{path}.{count}` to `{shown}; it must be a whole number of at least 1",
               f"Set `{count}` to 1 or more, or drop it for the default", ())


def _endpoint_problems(store: Mapping[str, Any], where: str) -> Iterator[Problem]:
    url = store.get("endpointURL")
    if url is None or url == "":
        return
    field = f"`{where}.endpointURL` `{_show(url)}`"
    fix = "Set `endpointURL` to the scheme, host and port only, e.g. `https://minio.example.svc:443`; the bucket and folder belong in `destinationPath`"
    if not isinstance(url, str) or "://" not in url:
        yield ("endpointURL",), f"has {field} without an `http://` or `https://` scheme", fix, ((f"https://{url}",) if isinstance(url, str) else ())
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
        extra = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        what = "a path" if parts.path not in ("", "/") else "a query"
        yield ("endpointURL",), f"has {field} with {what} (`{extra}`)", fix, (f"{parts.scheme}://{parts.netloc}",)


def store_problems(store: Mapping[str, Any], where: str, wal: list[str], data: list[str]) -> Iterator[Problem]:
    """Every problem of one BarmanObjectStoreConfiguration, at the offending field (relative)."""
    yield from _destination_problems(store, where)
    yield from _credential_problems(store, where)
    yield from _section_problems(store, where, "wal", wal)
    yield from _section_problems(store, where, "data", data)
    yield from _endpoint_problems(store, where)


def check_backup_store(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    wal = list(params.get("walCompression", WAL_COMPRESSION))
    data = list(params.get("dataCompression", DATA_COMPRESSION))
    for resource, holder in _barman_stores(inventory):
        store = resource.get(holder)
        where = format_path(holder)
        if not isinstance(store, dict):  # only an ObjectStore gets here without one: it is required
            fields = {"problem": f"has no `{where}`", "fix": "Add `spec.configuration` with `destinationPath` and one credentials block"}
            yield _violation(resource, holder, fields)
            continue
        for rel, problem, fix, suggestions in store_problems(store, where, wal, data):
            yield _violation(resource, holder + rel, {"problem": problem, "fix": fix}, suggestions)


STORE_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "walCompression": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "dataCompression": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    },
}


# --- PG002: field values with a fixed format --------------------------------------------------

_WINDOW = re.compile(r"^\s*([0-9]+)\s*(d|days?|w|weeks?|m|months?|y|years?)\s*$", re.I)


def _repair_retention(value: str) -> tuple[str, ...]:
    """`30 days` → `30d`, `30D` → `30d`, `1y` → `12m`: the window the user most likely meant."""
    match = _WINDOW.match(value)
    if not match or int(match.group(1)) == 0:
        return ()
    number, unit = int(match.group(1)), match.group(2)[0].lower()
    return (f"{number * 12}m",) if unit == "y" else (f"{number}{unit}",)


def check_field_format(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """Fields whose value must match a pattern or an enum (CRD validation the API server applies)."""
    for spec in params["fields"]:
        pattern = re.compile(spec["pattern"]) if "pattern" in spec else None
        allowed = spec.get("enum")
        for kind in spec["kinds"]:
            for resource in _of_kind(inventory, kind):
                for ypath in expand_path(resource.data, spec["at"]):
                    value = resource.get(ypath)
                    if isinstance(value, (dict, list)):
                        continue  # a type error, which schema validation (KV) reports
                    text = _show(value)
                    if (pattern and isinstance(value, str) and pattern.search(value)) or (allowed and value in allowed):
                        continue
                    suggestions: tuple[str, ...] = ()
                    if spec.get("repair") == "retention":
                        suggestions = _repair_retention(text)
                    elif allowed:
                        suggestions = _close(text.lower(), allowed)
                    yield _violation(resource, ypath, {"value": text, "expected": spec["expected"]}, suggestions)


FORMAT_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["fields"],
    "properties": {
        "fields": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kinds", "at", "expected"],
                "oneOf": [{"required": ["pattern"]}, {"required": ["enum"]}],
                "properties": {
                    "kinds": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "at": {"type": "string"},
                    "pattern": {"type": "string", "format": "regex"},
                    "enum": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "expected": {"type": "string", "description": "What a valid value looks like, for the message and hint."},
                    "repair": {"enum": ["retention"]},
                },
            },
        }
    },
}


# --- PG003: a Cluster with no backup --------------------------------------------------------


def _no_backup_reason(cluster: Resource, plugin_name: str) -> str | None:
    """Why nothing archives this Cluster's WAL; None when something does."""
    if _in_tree(cluster) or _wal_archivers(cluster):
        return None
    plugins = _plugins(cluster)
    if any(p.get("isWALArchiver") is True for _, p in plugins):
        return "its WAL-archiver plugin is disabled (`enabled: false`)"
    if any(p.get("name") == plugin_name for _, p in plugins):
        return f"the `{plugin_name}` plugin in `spec.plugins` lacks `isWALArchiver: true`, so no WAL is archived"
    if cluster.get(("spec", "backup", "volumeSnapshot")) is not None:
        return "`spec.backup.volumeSnapshot` takes snapshots but archives no WAL, so there is no point-in-time recovery"
    return "no `spec.backup.barmanObjectStore` and no WAL-archiver plugin in `spec.plugins`"


def check_backup_missing(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    plugin_name = params.get("pluginName", BARMAN_PLUGIN)
    for cluster in _of_kind(inventory, CLUSTER):
        reason = _no_backup_reason(cluster, plugin_name)
        if reason is None:
            continue
        plugins = _plugins(cluster)
        at = next((path for path, p in plugins if p.get("name") == plugin_name or p.get("isWALArchiver") is True), None)
        if at is None:
            at = ("spec", "backup") if cluster.get(("spec", "backup")) is not None else ("spec",)
        yield _violation(cluster, at, {"reason": reason, "plugin": plugin_name})


# --- PG004: Barman Cloud plugin wiring ------------------------------------------------------


def _store_reference_problems(inventory: Inventory, cluster: Resource, path: YamlPath, plugin: Mapping[str, Any]) -> Iterator[Violation]:
    name = _mapping(plugin.get("parameters")).get("barmanObjectName")
    if name in (None, ""):
        return
    found, elsewhere, here = _object_stores_named(inventory, cluster, str(name))
    if found is not None:
        return
    where = f" (ObjectStores there: {_listing(sorted(here))})" if here else " (none is defined there)"
    problem = f"names ObjectStore `{name}` in `{format_path(path)}.parameters.barmanObjectName`, which does not exist in namespace `{_namespace(cluster)}`{where}"
    fix = f"Create ObjectStore `{name}` in namespace `{_namespace(cluster)}`, or name one that exists there"
    if elsewhere:
        namespaces = _listing(sorted({_namespace(s) for s in elsewhere}))
        problem += f"; one exists in namespace {namespaces}, but the plugin looks only in the Cluster's namespace"
        fix = f"Move ObjectStore `{name}` to namespace `{_namespace(cluster)}` (the plugin never looks elsewhere)"
    yield _violation(cluster, path + ("parameters", "barmanObjectName"), {"problem": problem, "fix": fix}, _close(str(name), here))


def check_plugin_wiring(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    plugin_name = params.get("pluginName", BARMAN_PLUGIN)
    for cluster in _of_kind(inventory, CLUSTER):
        referenced = [(path, p) for path, p in _plugins(cluster) if p.get("name") == plugin_name and _enabled(p)]
        for ypath in expand_path(cluster.data, "spec.externalClusters[*].plugin"):
            plugin = cluster.get(ypath)
            if isinstance(plugin, dict) and plugin.get("name") == plugin_name:
                referenced.append((ypath, plugin))
        for path, plugin in referenced:
            yield from _store_reference_problems(inventory, cluster, path, plugin)
        for path, plugin in _plugins(cluster):
            wants_archive = plugin.get("isWALArchiver") is True and _enabled(plugin)
            if plugin.get("name") == plugin_name and wants_archive and not _mapping(plugin.get("parameters")).get("barmanObjectName"):
                problem = f"enables the `{plugin_name}` WAL archiver at `{format_path(path)}` without `parameters.barmanObjectName`"
                yield _violation(cluster, path, {"problem": problem, "fix": "Set `parameters.barmanObjectName` to the ObjectStore to archive to"})
        archivers = _wal_archivers(cluster)
        if _in_tree(cluster):
            for path, plugin in archivers:
                problem = f"enables WAL-archiver plugin `{_show(plugin.get('name'))}` while `spec.backup.barmanObjectStore` is set; CNPG rejects the two together"
                fix = "Remove `spec.backup.barmanObjectStore` (the plugin's ObjectStore replaces it), or drop `isWALArchiver` from the plugin"
                yield _violation(cluster, path + ("isWALArchiver",), {"problem": problem, "fix": fix})
        for path, plugin in archivers[1:]:
            problem = f"enables a second WAL-archiver plugin, `{_show(plugin.get('name'))}`, after `{_show(archivers[0][1].get('name'))}`; CNPG allows only one"
            yield _violation(cluster, path + ("isWALArchiver",), {"problem": problem, "fix": "Keep `isWALArchiver: true` on one plugin only"})
    for store in _of_kind(inventory, OBJECT_STORE):
        if store.get(("spec", "configuration", "serverName")) is not None:
            problem = "sets `spec.configuration.serverName`, which the plugin's CRD forbids"
            fix = f"Remove it and set `serverName` in the `parameters` of the Cluster's `{plugin_name}` plugin entry"
            yield _violation(store, ("spec", "configuration", "serverName"), {"problem": problem, "fix": fix})


# --- PG005: ScheduledBackup ------------------------------------------------------------------

DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")  # Go time.ParseDuration
_NUMBER = re.compile(r"^[0-9]+$")
_ANY = ("*", "?")


def _describe(second: str, minute: str, hour: str, dom: str, month: str, dow: str) -> str | None:
    """Plain words for the simple cases (fixed time, every day); None otherwise."""
    if not (all(f in _ANY for f in (dom, month, dow)) and _NUMBER.match(second) and _NUMBER.match(minute)):
        return None
    at_second = f" and second {int(second)}" if int(second) else ""
    if hour == "*":
        return f"every hour at minute {int(minute)}{at_second}"
    if _NUMBER.match(hour):
        clock = f"{int(hour):02d}:{int(minute):02d}" + (f":{int(second):02d}" if int(second) else "")
        return f"daily at {clock}"
    return None


# Ranges of robfig/cron's fields, seconds first (day-of-week is optional there).
_RANGES = (("second", 0, 59), ("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 6))


def _out_of_range(fields: list[str]) -> str | None:
    """The first plain number outside its field's range, e.g. "`0` is not a valid month"."""
    for value, (label, low, high) in zip(fields, _RANGES):
        if _NUMBER.match(value) and not low <= int(value) <= high:
            return f"`{value}` is not a valid {label}"
    return None


def _schedule_problem(schedule: Any) -> tuple[str, str, tuple[str, ...]] | None:
    """(problem, fix, suggestions) for a schedule robfig/cron v1.2.0 misreads or rejects."""
    text = _show(schedule).strip()
    fields = text.split()
    if text.startswith("@"):
        if text in DESCRIPTORS or (fields[0] == "@every" and len(fields) == 2 and _DURATION.match(fields[1])):
            return None
        return (f"has `schedule` `{text}`, which is not a cron descriptor CNPG knows",
                f"Use one of {_listing(DESCRIPTORS)}, `@every <duration>`, or six cron fields starting with seconds",
                _close(text, DESCRIPTORS))
    if len(fields) == 6:
        return None
    if len(fields) == 5:
        meant = "0 " + text
        misread = _describe(*fields, "*")
        intended = _describe("0", *fields)
        invalid = _out_of_range(fields)
        if invalid:
            runs = f"it does not parse ({invalid})"
        elif misread:
            runs = f"it runs {misread}" + (f", not {intended}" if intended else "")
        else:
            runs = f"it means second `{fields[0]}`, minute `{fields[1]}`, hour `{fields[2]}`, day `{fields[3]}`, month `{fields[4]}`"
        return (f"has a 5-field `schedule` `{text}`: CNPG reads the first field as seconds, so {runs}",
                f"Prepend a seconds field: `{meant}`", (meant,))
    return (f"has `schedule` `{text}` with {len(fields)} fields; CNPG accepts 6 (seconds first) or a descriptor such as `@daily`",
            "Write six fields, `second minute hour day-of-month month day-of-week`, e.g. `0 0 2 * * *` for daily at 02:00", ())


def _method_problem(backup: Resource, cluster: Resource, plugin_name: str) -> tuple[YamlPath, str, str] | None:
    method = backup.get(("spec", "method"))
    at: YamlPath = ("spec", "method") if method is not None else ("spec",)
    if method == "plugin":
        if not _mapping(backup.get(("spec", "pluginConfiguration"))).get("name"):
            at = ("spec", "pluginConfiguration") if backup.get(("spec", "pluginConfiguration")) is not None else at
            return (at, "sets `method: plugin` without `pluginConfiguration.name`; every Backup it creates is rejected",
                    f"Add `pluginConfiguration: {{name: {plugin_name}}}`")
        return None
    if method not in (None, "barmanObjectStore") or _in_tree(cluster):
        return None
    how = "leaves `method` at its default `barmanObjectStore`" if method is None else "sets `method: barmanObjectStore`"
    plugins = [str(p.get("name")) for _, p in _plugins(cluster) if _enabled(p) and p.get("name")]
    if plugins:
        name = plugin_name if plugin_name in plugins else plugins[0]
        return (at, f"{how}, but Cluster `{cluster.id.name}` backs up only through the `{name}` plugin, so every backup fails",
                f"Set `method: plugin` and `pluginConfiguration: {{name: {name}}}`")
    if cluster.get(("spec", "backup", "volumeSnapshot")) is not None:
        return (at, f"{how}, but Cluster `{cluster.id.name}` configures only `spec.backup.volumeSnapshot`, so every backup fails",
                "Set `method: volumeSnapshot`")
    return (at, f"{how}, but Cluster `{cluster.id.name}` has no `spec.backup.barmanObjectStore`, so every backup fails",
            "Configure a backup on the Cluster (see PG003), then set `method` to match it")


def check_scheduled_backup(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    plugin_name = params.get("pluginName", BARMAN_PLUGIN)
    for backup in _of_kind(inventory, SCHEDULED_BACKUP):
        schedule = backup.get(("spec", "schedule"))
        if schedule is not None:
            found = _schedule_problem(schedule)
            if found:
                yield _violation(backup, ("spec", "schedule"), {"problem": found[0], "fix": found[1]}, found[2])
        name = backup.get(("spec", "cluster", "name"))
        if name in (None, ""):
            at = ("spec", "cluster") if backup.get(("spec", "cluster")) is not None else ("spec",)
            yield _violation(backup, at, {"problem": "names no Cluster in `spec.cluster.name`", "fix": "Set `spec.cluster.name` to the Cluster to back up"})
            continue
        clusters = _visible(inventory, backup, CLUSTER)
        here = [c for c in clusters if _namespace(c) == _namespace(backup)]
        cluster = next((c for c in here if c.id.name == str(name)), None)
        if cluster is None:
            elsewhere = sorted({_namespace(c) for c in clusters if c.id.name == str(name) and _namespace(c) != _namespace(backup)})
            problem = f"backs up Cluster `{name}`, which does not exist in namespace `{_namespace(backup)}`"
            if elsewhere:
                problem += f"; one exists in namespace {_listing(elsewhere)}, but a ScheduledBackup only sees its own namespace"
            fix = f"Set `spec.cluster.name` to a Cluster in namespace `{_namespace(backup)}`, or create the ScheduledBackup next to its Cluster"
            yield _violation(backup, ("spec", "cluster", "name"), {"problem": problem, "fix": fix}, _close(str(name), [c.id.name for c in here]))
            continue
        method = _method_problem(backup, cluster, plugin_name)
        if method:
            yield _violation(backup, method[0], {"problem": method[1], "fix": method[2]})


# --- PG006: fixed and blocked PostgreSQL parameters ------------------------------------------

# CNPG FixedConfigurationParameters ∪ the "Fixed parameters" doc list (A.3): the webhook rejects
# these (or accepts only the operator's own value), and the operator ignores them at runtime.
FIXED_PARAMETERS: dict[str, str] = {
    **dict.fromkeys([
        "archive_mode", "cluster_name", "port", "primary_conninfo", "primary_slot_name", "recovery_target",
        "recovery_target_action", "recovery_target_inclusive", "recovery_target_lsn", "recovery_target_name",
        "recovery_target_time", "recovery_target_timeline", "recovery_target_xid", "restore_command",
        "shared_preload_libraries", "temp_tablespaces", "archive_command", "pg_failover_slots.primary_dsn",
        "pg_failover_slots.standby_slot_names", "ssl", "ssl_ca_file", "ssl_cert_file", "ssl_crl_file",
        "ssl_dh_params_file", "ssl_key_file", "ssl_passphrase_command", "ssl_passphrase_command_supports_reload",
        "ssl_prefer_server_ciphers", "synchronous_standby_names", "synchronized_standby_slots", "allow_alter_system",
    ], "fixed"),
    **dict.fromkeys([
        "allow_system_table_mods", "bonjour", "bonjour_name", "config_file", "data_directory", "data_sync_retry",
        "event_source", "external_pid_file", "hba_file", "hot_standby", "ident_file", "jit_provider",
        "listen_addresses", "logging_collector", "unix_socket_directories", "unix_socket_group",
        "unix_socket_permissions", "archive_cleanup_command", "log_destination", "log_directory", "log_file_mode",
        "log_filename", "log_rotation_age", "log_rotation_size", "log_truncate_on_rotation", "promote_trigger_file",
        "recovery_end_command", "recovery_min_apply_delay", "restart_after_crash", "stats_temp_directory",
        "syslog_facility", "syslog_ident", "syslog_sequence_numbers", "syslog_split_messages",
    ], "blocked"),
}
# Where the setting belongs instead, for the parameters that have a CNPG field of their own.
PARAMETER_FIXES: dict[str, str] = {
    "archive_mode": "Remove `archive_mode`: CloudNativePG turns WAL archiving on itself once `spec.backup.barmanObjectStore` or a WAL-archiver plugin is configured",
    "archive_command": "Remove `archive_command`: CloudNativePG archives WAL through `spec.backup.barmanObjectStore` or a WAL-archiver plugin",
    "restore_command": "Remove `restore_command`: recovery reads WAL from the `externalClusters` entry named by `bootstrap.recovery.source`",
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


def check_fixed_parameters(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    managed = {**FIXED_PARAMETERS, **dict.fromkeys(params.get("additional", []), "fixed")}
    for name in params.get("allow", []):
        managed.pop(name, None)
    for cluster in _of_kind(inventory, CLUSTER):
        parameters = cluster.get(("spec", "postgresql", "parameters"))
        for key in _mapping(parameters):
            status = managed.get(str(key).lower())  # GUC names are case-insensitive
            if status is None:
                continue
            how = "manages itself" if status == "fixed" else "keeps at its default"
            fields = {"parameter": str(key), "status": how, "fix": _parameter_fix(str(key))}
            yield _violation(cluster, ("spec", "postgresql", "parameters", key), fields)


PARAMETER_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "additional": {"type": "array", "items": {"type": "string"}, "description": "More parameters to flag."},
        "allow": {"type": "array", "items": {"type": "string"}, "description": "Parameters not to flag."},
    },
}


# --- PG007: two Clusters archiving to the same folder ---------------------------------------


Target = tuple[tuple[str, str, str], str, YamlPath, str]


def _archive_targets(inventory: Inventory, cluster: Resource, plugin_name: str) -> list[Target]:
    """((endpoint, folder, serverName), destinationPath as written, field to edit, fix) per WAL archive.

    The folder is compared without a trailing `/`: barman treats both spellings alike."""
    targets: list[Target] = []
    store = cluster.get(("spec", "backup", "barmanObjectStore"))
    if isinstance(store, dict) and isinstance(store.get("destinationPath"), str):
        server = str(store.get("serverName") or cluster.id.name)  # backup.go: default is the Cluster name
        at = ("spec", "backup", "barmanObjectStore", "serverName" if store.get("serverName") else "destinationPath")
        key = (str(store.get("endpointURL") or ""), store["destinationPath"].rstrip("/"), server)
        targets.append((key, store["destinationPath"], at, "set a distinct `spec.backup.barmanObjectStore.serverName` (or `destinationPath`)"))
    for path, plugin in _wal_archivers(cluster):
        parameters = _mapping(plugin.get("parameters"))
        if plugin.get("name") != plugin_name or not parameters.get("barmanObjectName"):
            continue
        found, _, _ = _object_stores_named(inventory, cluster, str(parameters["barmanObjectName"]))
        config = _mapping(found.get(("spec", "configuration"))) if found else {}
        if not isinstance(config.get("destinationPath"), str):
            continue  # PG004/PG001 report the missing store or path
        server = str(parameters.get("serverName") or cluster.id.name)
        at = path + ("parameters", "serverName" if parameters.get("serverName") else "barmanObjectName")
        key = (str(config.get("endpointURL") or ""), config["destinationPath"].rstrip("/"), server)
        targets.append((key, config["destinationPath"], at, f"set a distinct `serverName` in the `parameters` of the `{plugin_name}` plugin entry"))
    return targets


def check_shared_destination(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    plugin_name = params.get("pluginName", BARMAN_PLUGIN)
    clusters = _of_kind(inventory, CLUSTER)
    targets = {id(c): _archive_targets(inventory, c, plugin_name) for c in clusters}
    for cluster in clusters:
        for key, destination, at, fix in targets[id(cluster)]:
            others = []
            for other in clusters:
                if other.id == cluster.id or not _exists_for(cluster, other):
                    continue
                for other_key, _, other_at, _ in targets[id(other)]:
                    if other_key == key:
                        where = locate(other, other_at).location
                        others.append(f"Cluster `{other.id.name}` in namespace `{_namespace(other)}` ({where.path}:{where.line})")
            if others:
                fields = {"destination": destination, "server": key[2], "others": ", ".join(sorted(set(others))), "fix": fix}
                yield _violation(cluster, at, fields)


# --- PG008: deprecated in-tree Barman Cloud -------------------------------------------------


def check_in_tree_barman(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    plugin_name = params.get("pluginName", BARMAN_PLUGIN)
    for cluster in _of_kind(inventory, CLUSTER):
        for ypath in expand_path(cluster.data, "spec.backup.barmanObjectStore"):
            fix = (f"Move the store into an ObjectStore (`barmancloud.cnpg.io/v1`, with `retentionPolicy` moved to its spec), list "
                   f"`{plugin_name}` in `spec.plugins` with `isWALArchiver: true` and `parameters.barmanObjectName`, and set "
                   f"`method: plugin` with `pluginConfiguration.name: {plugin_name}` on ScheduledBackups")
            yield _violation(cluster, ypath, {"fix": fix})
        for ypath in expand_path(cluster.data, "spec.externalClusters[*].barmanObjectStore"):
            fix = (f"Move the store into an ObjectStore and replace `barmanObjectStore` with `plugin: {{name: {plugin_name}, "
                   f"parameters: {{barmanObjectName: <ObjectStore>, serverName: <source cluster>}}}}`")
            yield _violation(cluster, ypath, {"fix": fix})


# --- PG010: recovery wiring -----------------------------------------------------------------

RECOVERY_METHODS = ("connectionParameters", "barmanObjectStore", "plugin")


def check_recovery_source(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    for cluster in _of_kind(inventory, CLUSTER):
        source = cluster.get(("spec", "bootstrap", "recovery", "source"))
        if source in (None, ""):
            continue
        at: YamlPath = ("spec", "bootstrap", "recovery", "source")
        entries = cluster.get(("spec", "externalClusters"))
        named = [(i, e) for i, e in enumerate(entries if isinstance(entries, list) else []) if isinstance(e, dict)]
        names = [str(e.get("name")) for _, e in named if e.get("name")]
        match = next(((i, e) for i, e in named if str(e.get("name")) == str(source)), None)
        if match is None:
            listed = (f"(entries: {_listing(names)})" if names else
                      "(`spec.externalClusters` is empty)" if isinstance(entries, list) else "(the Cluster has no `spec.externalClusters`)")
            fields = {"source": str(source), "problem": f"which names no `spec.externalClusters` entry {listed}",
                      "fix": f"Add an `externalClusters` entry named `{source}` with a `plugin` or `barmanObjectStore` block, or name an existing entry"}
            yield _violation(cluster, at, fields, _close(str(source), names))
        elif not any(match[1].get(m) for m in RECOVERY_METHODS):
            fields = {"source": str(source), "problem": "whose `externalClusters` entry has no `connectionParameters`, `barmanObjectStore` or `plugin`",
                      "fix": f"Give entry `{source}` a `plugin` (Barman Cloud plugin), `barmanObjectStore` or `connectionParameters` block"}
            yield _violation(cluster, ("spec", "externalClusters", match[0]), fields)


_PROBLEM_FIELDS = _BASE_FIELDS | {"problem", "fix"}

CHECKS = [
    Check("cnpg-backup-store", check_backup_store, STORE_PARAMS, _PROBLEM_FIELDS),
    Check("cnpg-field-format", check_field_format, FORMAT_PARAMS, _BASE_FIELDS | {"value", "expected"}),
    Check("cnpg-backup-missing", check_backup_missing, PLUGIN_PARAMS, _BASE_FIELDS | {"reason", "plugin"}),
    Check("cnpg-plugin-wiring", check_plugin_wiring, PLUGIN_PARAMS, _PROBLEM_FIELDS),
    Check("cnpg-scheduled-backup", check_scheduled_backup, PLUGIN_PARAMS, _PROBLEM_FIELDS),
    Check("cnpg-fixed-parameter", check_fixed_parameters, PARAMETER_PARAMS, _BASE_FIELDS | {"parameter", "status", "fix"}),
    Check("cnpg-shared-destination", check_shared_destination, PLUGIN_PARAMS, _BASE_FIELDS | {"destination", "server", "others", "fix"}),
    Check("cnpg-in-tree-barman", check_in_tree_barman, PLUGIN_PARAMS, _BASE_FIELDS | {"fix"}),
    Check("cnpg-recovery-source", check_recovery_source, NO_PARAMS, _BASE_FIELDS | {"source", "problem", "fix"}),
]
