"""The node inventory: Kubernetes nodes with their labels and taints, for the placement (NP) rules.

Three sources, merged by node name (the first one that names a node wins):

1. the config's `cluster.nodes` (name, labels, taints, controlPlane);
2. `nodes.snapshot`: `kubectl get nodes -o yaml` output committed to the repo (a `List` of
   `Node`s, or `Node` documents), used exactly as recorded;
3. an Ansible inventory that installs k3s (`nodes.ansible`): hosts' `k3s_node_labels`
   (`key=value`) and `k3s_node_taints` (`key=value:Effect` or `key:Effect`) variables from
   host_vars, group_vars and the inventory file, the node name from `k3s_node_name` (default: the
   host name), group membership from hosts.yaml / hosts.ini.

Nodes from 1 and 3 also carry what the kubelet and k3s add: kubernetes.io/hostname, kubernetes.io/os
(linux), kubernetes.io/arch (`nodes.arch`, default amd64), and on k3s servers
node-role.kubernetes.io/control-plane=true and node-role.kubernetes.io/master=true
(docs/reference/placement.md#8-k3s-labels-and-taints).

Ansible, kept simple (documented in README "Configuration"):

- a host is a node when it belongs (directly or through `children`) to a server or agent group,
  or when its variables set one of the three k3s variables;
- variables follow Ansible's default precedence, without merging: group_vars/all < parent groups
  < child groups (same depth: alphabetical) < inline host vars in the inventory file < host_vars;
- `groupLabels` adds labels to every host of a group (default: k3s_workers gets
  node-role.kubernetes.io/worker=true);
- Jinja (`{{ ... }}`) is not evaluated: such values are skipped and reported (NP012), except
  `{{ inventory_hostname }}` / `{{ inventory_hostname_short }}` as the node name.

Reads only through RepoFiles; problems become NP012 findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..core.globs import glob_match
from ..model import Location, Node, Problem, Taint, YamlDoc, YamlPath
from ..model.config import AnsibleNodes, Config
from ..model.shapes import as_dict, as_list
from .files import RepoFiles, is_yaml

PROBLEM = "NP012"
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
HOSTNAME, OS, ARCH = "kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch"
CONTROL_PLANE, MASTER = "node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"
_INVENTORY_HOSTNAME = re.compile(r"^\{\{-?\s*inventory_hostname(_short)?\s*-?\}\}$")
_RANGE = re.compile(r"\[(\d+):(\d+)\]")


def load_nodes(files: RepoFiles, config: Config) -> tuple[tuple[Node, ...], list[Problem]]:
    problems: list[Problem] = []
    found: dict[str, Node] = {}
    sources = [_config_nodes(config, problems), _snapshot_nodes(files, config, problems)]
    if config.ansible.enabled:
        sources.append(_ansible_nodes(files, config, problems))
    for nodes in sources:
        for node in nodes:
            found.setdefault(node.name, node)
    return tuple(sorted(found.values(), key=lambda n: n.name)), problems


def _node(
    name: str,
    declared: Mapping[str, str],
    taints: Iterable[Taint],
    source: Location,
    origin: str,
    arch: str,
    server: bool = False,
    host: str | None = None,
    group_labels: Mapping[str, str] | None = None,
) -> Node:
    labels = {HOSTNAME: name, OS: "linux", ARCH: arch, **(group_labels or {}), **declared}
    if server:  # k3s sets these itself, whatever the flags say
        labels.update({CONTROL_PLANE: "true", MASTER: "true"})
    return Node(name, MappingProxyType(labels), tuple(taints), source, origin, host)


def label_value(value: Any) -> str:
    """A label value as the API stores it: YAML `true` is "true"."""
    return str(value).lower() if isinstance(value, bool) else "" if value is None else str(value)


# --- config ----------------------------------------------------------------------------------


def _config_nodes(config: Config, problems: list[Problem]) -> list[Node]:
    where = Location(config.source or ".m0sh1-lint.yaml")
    nodes = []
    for item in config.cluster_nodes:
        labels = {str(k): label_value(v) for k, v in (item.get("labels") or {}).items()}
        taints = [Taint(str(t["key"]), label_value(t.get("value")), str(t["effect"])) for t in item.get("taints") or ()]
        nodes.append(
            _node(str(item["name"]), labels, taints, where, "config", config.node_arch, bool(item.get("controlPlane")))
        )
    return nodes


# --- kubectl get nodes -o yaml ---------------------------------------------------------------


def _snapshot_nodes(files: RepoFiles, config: Config, problems: list[Problem]) -> list[Node]:
    nodes: list[Node] = []
    where = Location(config.source or ".m0sh1-lint.yaml")
    for rel in config.node_snapshots:
        rel = rel[2:] if rel.startswith("./") else rel
        if not files.exists(rel):
            problems.append(Problem(PROBLEM, where, {"reason": f"nodes.snapshot `{rel}` does not exist"}))
            continue
        before = len(nodes)
        for doc in files.yaml(rel):
            data = doc.data if isinstance(doc.data, dict) else {}
            items: list[tuple[Any, YamlPath]] = [(data, ())]
            if data.get("kind") in ("List", "NodeList"):
                items = [(item, ("items", i)) for i, item in enumerate(as_list(data.get("items")))]
            for item, ypath in items:
                if isinstance(item, dict) and item.get("kind") == "Node":
                    node = _snapshot_node(item, doc, ypath)
                    if node is not None:
                        nodes.append(node)
        if len(nodes) == before:
            problems.append(
                Problem(
                    PROBLEM,
                    Location(rel),
                    {
                        "reason": (
                            f"nodes.snapshot `{rel}` holds no Node object (expected `kubectl get nodes -o yaml` output)"
                        )
                    },
                )
            )
    return nodes


def _snapshot_node(item: Mapping[str, Any], doc: YamlDoc, ypath: YamlPath) -> Node | None:
    metadata = as_dict(item.get("metadata"))
    name = metadata.get("name")
    if not name:
        return None
    labels = {str(k): label_value(v) for k, v in as_dict(metadata.get("labels")).items()}
    spec = as_dict(item.get("spec"))
    taints = [
        Taint(str(t.get("key")), label_value(t.get("value")), str(t.get("effect")))
        for t in as_list(spec.get("taints"))
        if isinstance(t, dict) and t.get("key")
    ]
    return Node(str(name), MappingProxyType(labels), tuple(taints), doc.location(ypath), "snapshot")


# --- Ansible ---------------------------------------------------------------------------------


@dataclass
class _Inventory:
    """Group membership and inline variables from hosts.yaml / hosts.ini."""

    hosts: dict[str, set[str]] = field(default_factory=dict)  # group → direct hosts
    children: dict[str, set[str]] = field(default_factory=dict)  # group → child groups
    group_vars: dict[str, dict[str, Any]] = field(default_factory=dict)
    host_vars: dict[str, dict[str, Any]] = field(default_factory=dict)
    where: dict[str, Location] = field(default_factory=dict)  # host → where the inventory names it

    def add_host(self, group: str, host: str, variables: Mapping[str, Any] | None, where: Location) -> None:
        self.hosts.setdefault(group, set()).add(host)
        self.host_vars.setdefault(host, {}).update(variables or {})
        self.where.setdefault(host, where)

    def members(self, group: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if group == "all":
            return set(self.where)
        out = set(self.hosts.get(group, ()))
        for child in self.children.get(group, ()):
            if child not in seen:
                out |= self.members(child, seen | {group})
        return out

    def depth(self, group: str) -> int:
        """Distance from `all`: a child group's variables override its parents'."""
        parents = [g for g, kids in self.children.items() if group in kids]
        best = 0
        stack = [(p, 2) for p in parents]
        seen: set[str] = set()
        while stack:
            name, level = stack.pop()
            best = max(best, level)
            if name in seen:
                continue
            seen.add(name)
            stack.extend((p, level + 1) for p, kids in self.children.items() if name in kids)
        return best or 1


def _glob_files(files: RepoFiles, patterns: tuple[str, ...]) -> list[tuple[str, str]]:
    """(file, owner) for files matching the globs: the owner is the host/group the file is for,
    the file name without extension (host_vars/web.yaml) or its directory (host_vars/web/main.yaml)."""
    out: dict[str, str] = {}
    for pattern in patterns:
        head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
        base = head.rsplit("/", 1)[0] if "/" in head else ""
        for rel in files.under(base):
            if rel in out or not is_yaml(rel) or not glob_match(pattern, rel):
                continue
            rest = rel[len(base) + 1 :] if base else rel
            out[rel] = rest.split("/", 1)[0] if "/" in rest else rest.rsplit(".", 1)[0]
    return sorted(out.items())


def _var_files(files: RepoFiles, patterns: tuple[str, ...]) -> dict[str, tuple[dict[str, Any], YamlDoc]]:
    """owner → (variables, first document) merged over its files (later files win)."""
    merged: dict[str, tuple[dict[str, Any], YamlDoc]] = {}
    for rel, owner in _glob_files(files, patterns):
        docs = files.yaml(rel)
        if not docs or not isinstance(docs[0].data, dict):
            continue
        variables, first = merged.get(owner, ({}, docs[0]))
        merged[owner] = ({**variables, **{str(k): v for k, v in docs[0].data.items()}}, first)
    return merged


def _read_inventory(files: RepoFiles, settings: AnsibleNodes, problems: list[Problem], where: Location) -> _Inventory:
    inventory = _Inventory()
    for rel in settings.hosts:
        if not files.exists(rel):
            continue
        if is_yaml(rel):
            docs = files.yaml(rel)
            if docs and isinstance(docs[0].data, dict):
                for group, body in docs[0].data.items():
                    _yaml_group(inventory, str(group), body, docs[0], (group,))
            continue
        text = files.read_text(rel)
        if text is not None:
            _ini_inventory(inventory, text, rel)
    if settings.hosts != AnsibleNodes().hosts:  # files the config names must exist
        for rel in settings.hosts:
            if not files.exists(rel):
                problems.append(Problem(PROBLEM, where, {"reason": f"nodes.ansible.hosts `{rel}` does not exist"}))
    return inventory


def _yaml_group(inventory: _Inventory, group: str, body: Any, doc: YamlDoc, ypath: YamlPath) -> None:
    if not isinstance(body, dict):
        return
    inventory.children.setdefault(group, set())
    for host, variables in (body.get("hosts") or {}).items() if isinstance(body.get("hosts"), dict) else ():
        for name in _expand_host(str(host)):
            inventory.add_host(
                group, name, variables if isinstance(variables, dict) else None, doc.location((*ypath, "hosts", host))
            )
    if isinstance(body.get("vars"), dict):
        inventory.group_vars.setdefault(group, {}).update(body["vars"])
    for child, child_body in (body.get("children") or {}).items() if isinstance(body.get("children"), dict) else ():
        inventory.children[group].add(str(child))
        _yaml_group(inventory, str(child), child_body or {}, doc, (*ypath, "children", child))


def _ini_inventory(inventory: _Inventory, text: str, rel: str) -> None:
    group, section = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group, _, section = line[1:-1].partition(":")
            section = section or "hosts"
            inventory.children.setdefault(group, set())
            continue
        words = line.split()
        if section == "children":
            inventory.children[group].add(words[0])
        elif section == "vars":
            key, _, value = line.partition("=")
            inventory.group_vars.setdefault(group, {})[key.strip()] = value.strip()
        else:
            variables = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            for name in _expand_host(words[0]):
                inventory.add_host(group, name, variables, Location(rel, number, 1))


def _expand_host(pattern: str) -> list[str]:
    """Ansible's numeric host ranges: worker[01:04] → worker01 … worker04."""
    match = _RANGE.search(pattern)
    if not match:
        return [pattern]
    start, end = match.group(1), match.group(2)
    width = len(start) if start.startswith("0") else 0
    return [
        pattern[: match.start()] + str(i).zfill(width) + pattern[match.end() :] for i in range(int(start), int(end) + 1)
    ]


@dataclass
class _HostVars:
    """A host's variables as Ansible layers them, and where each winning value is written."""

    fallback: Location  # the host's own entry, for values without a file position
    values: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, YamlDoc | None] = field(default_factory=dict)

    def apply(self, values: Mapping[str, Any], doc: YamlDoc | None) -> None:
        self.values.update(values)
        self.docs.update(dict.fromkeys(values, doc))

    def locate(self, variable: str, index: int | None = None) -> Location:
        doc = self.docs.get(variable)
        if doc is None:
            return self.fallback
        return doc.location((variable,) if index is None else (variable, index))


def _ansible_nodes(files: RepoFiles, config: Config, problems: list[Problem]) -> list[Node]:
    settings = config.ansible
    where = Location(config.source or ".m0sh1-lint.yaml")
    inventory = _read_inventory(files, settings, problems, where)
    host_files = _var_files(files, settings.host_vars)
    group_files = _var_files(files, settings.group_vars)
    if settings.configured and not host_files and not inventory.where:
        problems.append(
            Problem(PROBLEM, where, {"reason": "nodes.ansible names no existing host_vars or inventory file"})
        )
    k3s_vars = (settings.labels_variable, settings.taints_variable, settings.node_name_variable)
    groups_of: dict[str, list[str]] = {}
    all_groups = set(inventory.children) | set(inventory.hosts) | set(group_files)
    for group in all_groups - {"all"}:
        for host in inventory.members(group):
            groups_of.setdefault(host, []).append(group)
    nodes = []
    for host in sorted(set(inventory.where) | set(host_files)):
        groups = sorted(groups_of.get(host, []), key=lambda g: (inventory.depth(g), g))
        fallback = inventory.where.get(host) or (host_files[host][1].location() if host in host_files else where)
        found = _HostVars(fallback)
        for group in ["all", *groups]:  # lowest precedence first
            found.apply(inventory.group_vars.get(group, {}), None)
            if group in group_files:
                found.apply(*group_files[group])
        found.apply(inventory.host_vars.get(host, {}), None)
        if host in host_files:
            found.apply(*host_files[host])
        variables, locate = found.values, found.locate
        server = any(g in settings.server_groups for g in groups)
        agent = any(g in settings.agent_groups for g in groups)
        if not (server or agent or any(variables.get(v) is not None for v in k3s_vars)):
            continue  # not a k3s node (a Proxmox host, a NAS, ...)
        name = _node_name(
            host, variables.get(settings.node_name_variable), locate(settings.node_name_variable), problems
        )
        labels = _labels(variables.get(settings.labels_variable), settings.labels_variable, locate, problems)
        taints = _taints(variables.get(settings.taints_variable), settings.taints_variable, locate, problems)
        group_labels = {k: v for g in groups for k, v in settings.group_labels.get(g, {}).items()}
        source = host_files[host][1].location() if host in host_files else inventory.where.get(host, where)
        nodes.append(
            _node(
                name,
                labels,
                taints,
                source,
                "ansible",
                config.node_arch,
                server,
                host if name != host else None,
                group_labels,
            )
        )
    return nodes


def _templated(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def _node_name(host: str, value: Any, where: Location, problems: list[Problem]) -> str:
    if value is None or value == "":
        return host
    text = str(value).strip()
    match = _INVENTORY_HOSTNAME.match(text)
    if match:
        return host.split(".", maxsplit=1)[0] if match.group(1) else host
    if _templated(text):
        problems.append(
            Problem(
                PROBLEM,
                where,
                {"reason": f"node name `{text}` of host `{host}` is a Jinja expression; the host name is used"},
            )
        )
        return host
    return text


def _items(value: Any, variable: str, locate: Any, problems: list[Problem]) -> list[tuple[Any, Location]]:
    if value is None:
        return []
    if _templated(value):
        problems.append(
            Problem(
                PROBLEM,
                locate(variable),
                {"reason": f"`{variable}` is a Jinja expression, which the linter does not evaluate; it is ignored"},
            )
        )
        return []
    if isinstance(value, dict):
        return [({"key": k, "value": v}, locate(variable)) for k, v in value.items()]
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    if not isinstance(value, list):
        problems.append(Problem(PROBLEM, locate(variable), {"reason": f"`{variable}` is not a list"}))
        return []
    return [(item, locate(variable, index)) for index, item in enumerate(value)]


def _labels(value: Any, variable: str, locate: Any, problems: list[Problem]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item, where in _items(value, variable, locate, problems):
        if isinstance(item, dict):
            if "key" in item:
                labels[str(item["key"])] = label_value(item.get("value"))
            else:  # `{zone: pve-01}` written as a one-entry mapping
                labels.update({str(k): label_value(v) for k, v in item.items()})
            continue
        text = str(item).strip()
        key, sep, label = text.partition("=")
        if _templated(text) or not sep or not key:
            reason = "is a Jinja expression" if _templated(text) else "is not `key=value`"
            problems.append(
                Problem(PROBLEM, where, {"reason": f"label `{text}` in `{variable}` {reason}; it is ignored"})
            )
            continue
        labels[key.strip()] = label.strip()
    return labels


def _taints(value: Any, variable: str, locate: Any, problems: list[Problem]) -> list[Taint]:
    taints: list[Taint] = []
    for item, where in _items(value, variable, locate, problems):
        if isinstance(item, dict):
            value_text = label_value(item.get("value"))
            text = (
                f"{item.get('key')}"
                + (f"={value_text}" if value_text else "")
                + (f":{item['effect']}" if item.get("effect") else "")
            )
        else:
            text = str(item).strip()
        body, _, effect = text.rpartition(":")
        key, _, taint_value = body.partition("=")
        if _templated(text) or effect not in EFFECTS or not key:
            reason = (
                "is a Jinja expression"
                if _templated(text)
                else f"has no effect (one of {', '.join(EFFECTS)})"
                if effect not in EFFECTS
                else "has no key"
            )
            problems.append(
                Problem(PROBLEM, where, {"reason": f"taint `{text}` in `{variable}` {reason}; it is ignored"})
            )
            continue
        taints.append(Taint(key.strip(), taint_value.strip(), effect))
    return taints
