"""Secrets and namespaces a repository's own Terraform (or OpenTofu) makes: `kubernetes_secret` /
`kubernetes_secret_v1` and `kubernetes_namespace` / `kubernetes_namespace_v1` resources of the
hashicorp/kubernetes provider in its `*.tf` and `*.tofu` files.

Homelab and platform repos often bootstrap the Secrets Argo CD's apps read (an auth key, a
cloud token) with Terraform beside the manifests; those Secrets exist, they are just not made
by Argo CD. Only what is literal is taken: a resource whose `metadata.name` is an expression
(`var.name`, `"${local.x}"`) names no Secret we can know, so it names none. Its namespace is
a literal, the `default` namespace when unset, or a reference to a `kubernetes_namespace`
resource of the same module (directory) whose name is literal; any other expression names no
Secret either. `data` keys are not read (a `data = merge(...)` cannot be known): the Secret has
any key.

This is a scanner for the small part of HCL that matters here, not a parser: it skips strings,
comments and heredocs to match braces, and reads `name = "..."` attributes of the `metadata`
block. Anything it does not understand yields nothing (a missing producer, never a wrong one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from ..model import DeclaredSecret, Location
from .files import RepoFiles

MAX_TF_BYTES = 1 << 20  # a Terraform file larger than this is not scanned

_RESOURCE = re.compile(r'^[ \t]*resource[ \t]+"(kubernetes_secret(?:_v1)?)"[ \t]+"([\w-]+)"[ \t]*\{', re.MULTILINE)
_METADATA = re.compile(r"(?:^|\n)[ \t]*metadata[ \t]*\{")
_LITERAL = r'"((?:[^"\\$]|\\.|\$(?!\{))*)"'  # a string without interpolation
_ATTRIBUTE = {
    key: re.compile(rf"^[ \t]*{key}[ \t]*=[ \t]*{_LITERAL}[ \t]*$", re.MULTILINE) for key in ("name", "namespace")
}
_HEREDOC = re.compile(r"<<-?([A-Za-z_]\w*)[ \t]*\n")
_NAMESPACE_RESOURCE = re.compile(
    r'^[ \t]*resource[ \t]+"(kubernetes_namespace(?:_v1)?)"[ \t]+"([\w-]+)"[ \t]*\{', re.MULTILINE
)
_ANY_NAMESPACE = re.compile(r"^[ \t]*namespace[ \t]*=", re.MULTILINE)
# `kubernetes_namespace_v1.csi.metadata[0].name` (or `.metadata.0.name`): that resource's name
_NAMESPACE_REF = re.compile(
    r"^[ \t]*namespace[ \t]*=[ \t]*(kubernetes_namespace(?:_v1)?\.[\w-]+)\.metadata(?:\[0\]|\.0)\.name[ \t]*$",
    re.MULTILINE,
)
SUFFIXES = (".tf", ".tofu")
T = TypeVar("T")


@dataclass(frozen=True)
class TerraformBootstrap:
    """What the repository's Terraform makes before Argo CD syncs: its literal Secrets, and the
    literal names of its `kubernetes_namespace` / `kubernetes_namespace_v1` resources (the
    namespaces AR011 counts as existing)."""

    secrets: tuple[DeclaredSecret, ...]
    namespaces: frozenset[str]


def scan_terraform(files: RepoFiles) -> TerraformBootstrap:
    """One scan of the Terraform files for both."""
    secrets: list[DeclaredSecret] = []
    all_namespaces: set[str] = set()
    for module in _modules(files).values():
        namespaces = {ref: name for _, text in module for ref, name in _understood(_named, text)}
        all_namespaces.update(namespaces.values())
        for rel, text in module:
            secrets.extend(_understood(_secrets_in, rel, text, namespaces))
    return TerraformBootstrap(tuple(secrets), frozenset(all_namespaces))


def _modules(files: RepoFiles) -> dict[str, list[tuple[str, str]]]:
    """Directory → its Terraform files that mention Kubernetes resources, with their text."""
    modules: dict[str, list[tuple[str, str]]] = {}
    for rel in files.under(""):
        if not rel.endswith(SUFFIXES):
            continue
        text = files.read_text(rel, used=False)
        if text is None or len(text) > MAX_TF_BYTES or "kubernetes_" not in text:
            continue
        modules.setdefault(rel.rpartition("/")[0], []).append((rel, text))
    return modules


def _understood(scan: Callable[..., Iterator[T]], *args: object) -> list[T]:
    """What one file's scan yields; nothing for strings nested in `${...}` thousands deep (a
    file we do not understand)."""
    try:
        return list(scan(*args))
    except RecursionError:
        return []


def _named(text: str) -> Iterator[tuple[str, str]]:
    """(`type.label`, literal metadata.name) of each namespace resource in the file."""
    for match in _NAMESPACE_RESOURCE.finditer(text):
        body = _block(text, match.end())
        metadata = _METADATA.search(body) if body is not None else None
        inner = _block(body, metadata.end()) if body is not None and metadata else None
        name = _literal(_top_level(inner), "name") if inner is not None else None
        if name:
            yield f"{match[1]}.{match[2]}", name


def _secrets_in(rel: str, text: str, namespaces: dict[str, str]) -> Iterator[DeclaredSecret]:
    for match in _RESOURCE.finditer(text):
        body = _block(text, match.end())
        if body is None:
            continue
        metadata = _METADATA.search(body)
        inner = _block(body, metadata.end()) if metadata else None
        if inner is None:
            continue
        top = _top_level(inner)
        name, namespace = _literal(top, "name"), _namespace(top, namespaces)
        if name and namespace:
            line = text.count("\n", 0, match.start()) + 1
            where = Location(rel, line, 1)
            yield DeclaredSecret(namespace, name, None, f"terraform {match[1]} `{match[2]}`", where)


def _namespace(metadata: str, namespaces: dict[str, str]) -> str | None:
    """The Secret's namespace: literal, `default` when unset, a namespace resource's literal
    name; None for any other expression (not knowable here)."""
    if not _ANY_NAMESPACE.search(metadata):
        return "default"
    reference = _NAMESPACE_REF.search(metadata)
    return namespaces.get(reference[1]) if reference else _literal(metadata, "namespace")


def _literal(block: str, key: str) -> str | None:
    found = _ATTRIBUTE[key].search(block)
    return found[1] if found and found[1] else None


def _block(text: str, start: int) -> str | None:
    """The text from `start` (just after an opening brace) to its closing brace; None when the
    braces do not close (a file we do not understand)."""
    depth, i = 1, start
    while i < len(text):
        char = text[i]
        if char == '"':
            i = _string_end(text, i + 1)
        elif char == "#" or text.startswith("//", i):
            i = _line_end(text, i)
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
        elif heredoc := _HEREDOC.match(text, i):
            closing = re.compile(rf"^[ \t]*{heredoc[1]}[ \t]*$", re.MULTILINE).search(text, heredoc.end())
            i = len(text) if closing is None else closing.end()
        else:
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return text[start:i]
            i += 1
    return None


def _string_end(text: str, i: int) -> int:
    """The index after the closing quote of a string that opened before `i` (`${...}` may nest
    braces and quotes)."""
    depth = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if text.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if depth and char == "}":
            depth -= 1
        elif depth and char == '"':
            i = _string_end(text, i + 1)
            continue
        elif not depth and char in '"\n':
            return i + 1
        i += 1
    return i


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _top_level(block: str) -> str:
    """The lines of a block outside its nested blocks (`metadata { labels { name = ... } }` is
    not the Secret's name)."""
    out, depth = [], 0
    for line in block.splitlines():
        if depth == 0:
            out.append(line)
        depth += line.count("{") - line.count("}")
        depth = max(depth, 0)
    return "\n".join(out)
