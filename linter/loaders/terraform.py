"""Secrets a repository's own Terraform makes: `kubernetes_secret` / `kubernetes_secret_v1`
resources of the hashicorp/kubernetes provider in its `*.tf` files.

Homelab and platform repos often bootstrap the Secrets Argo CD's apps read (an auth key, a
cloud token) with Terraform beside the manifests; those Secrets exist, they are just not made
by Argo CD. Only what is literal is taken: a resource whose `metadata.name` is an expression
(`var.name`, `"${local.x}"`) names no Secret we can know, so it names none. `data` keys are
not read (a `data = merge(...)` cannot be known): the Secret has any key.

This is a scanner for the small part of HCL that matters here, not a parser: it skips strings,
comments and heredocs to match braces, and reads `name = "..."` attributes of the `metadata`
block. Anything it does not understand yields nothing (a missing producer, never a wrong one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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


def terraform_secrets(files: RepoFiles) -> list[DeclaredSecret]:
    out: list[DeclaredSecret] = []
    for rel in files.under(""):
        if not rel.endswith(".tf"):
            continue
        text = files.read_text(rel, used=False)
        if text is None or len(text) > MAX_TF_BYTES or "kubernetes_secret" not in text:
            continue
        try:
            out.extend(_secrets_in(rel, text))
        except RecursionError:  # strings nested in `${...}` thousands deep: a file we do not understand
            continue
    return out


def _secrets_in(rel: str, text: str) -> Iterator[DeclaredSecret]:
    for match in _RESOURCE.finditer(text):
        body = _block(text, match.end())
        if body is None:
            continue
        metadata = _METADATA.search(body)
        inner = _block(body, metadata.end()) if metadata else None
        if inner is None:
            continue
        top = _top_level(inner)
        name, namespace = (_literal(top, key) for key in ("name", "namespace"))
        if name:
            line = text.count("\n", 0, match.start()) + 1
            where = Location(rel, line, 1)
            yield DeclaredSecret(namespace or "default", name, None, f"terraform {match[1]} `{match[2]}`", where)


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
