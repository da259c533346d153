"""A rule's documented examples as complete repositories (docs/writing-rules.md#examples).

`docs.fail` and `docs.pass` are either one file's text, a *fragment*, or several files, each
starting with a `# file: <path>` line (`# file: <path> -> <target>` is a symbolic link). A
fragment becomes the file at the context's `slot`; the context (`docs.context`, else the default
of the rule's family) adds its other files unless the example names the same path. `docs.setup`
holds files both examples contain; `docs.base` the files of a base commit that the example then
changes in the working tree (the chart-version rules). The contexts are listed verbatim in
docs/writing-rules.md (tests/test_rule_examples.py checks that), and the generated rule page
names the files a context adds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ..core.errors import LintError
from ..core.suggest import closest

FILE_LINE = re.compile(r"^# file: (?P<path>[^\s]+)(?: -> (?P<target>[^\s]+))?[ \t]*$")

_APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.com/homelab.git
    targetRevision: main
    path: apps/web
  destination:
    server: https://kubernetes.default.svc
    namespace: apps
  syncPolicy:
    syncOptions: [CreateNamespace=true]
"""
_CHART = """\
apiVersion: v2
name: web
version: 0.1.0
"""
_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  greeting: {{ .Values.greeting }}
"""
_VALUES = """\
greeting: hello
"""


@dataclass(frozen=True)
class ContextFile:
    path: str
    text: str
    about: str  # how the rule page describes it, after the path


@dataclass(frozen=True)
class Context:
    """What surrounds an example: the path a fragment takes and the files added around it."""

    name: str
    slot: str | None  # None: a fragment is prose (not linted); files are named with `# file:`
    files: tuple[ContextFile, ...]


_APP = ContextFile(
    "argocd/apps/web.yaml", _APPLICATION, "the Application `web`, which deploys `apps/web` to the namespace `apps`"
)
_CHART_FILE = ContextFile("apps/web/Chart.yaml", _CHART, "the chart `web` (`version: 0.1.0`)")
_VALUES_FILE = ContextFile("apps/web/values.yaml", _VALUES, "the chart's values (`greeting: hello`)")
_TEMPLATE = ContextFile("apps/web/templates/configmap.yaml", _CONFIGMAP, "a ConfigMap template that reads `greeting`")

CONTEXTS: dict[str, Context] = {
    c.name: c
    for c in (
        Context("manifests", "apps/web/manifest.yaml", (_APP,)),
        Context("chart-template", "apps/web/templates/manifest.yaml", (_CHART_FILE, _APP)),
        Context("chart-values", "apps/web/values.yaml", (_CHART_FILE, _APP)),
        Context("chart", "apps/web/Chart.yaml", (_VALUES_FILE, _TEMPLATE, _APP)),
        Context("application", "argocd/apps/web.yaml", (_CHART_FILE, _VALUES_FILE, _TEMPLATE)),
        Context("none", None, ()),
    )
}

# The context of a rule that sets no `docs.context`, by family.
FAMILY_CONTEXTS = {"AR": "application", "CH": "chart"}
DEFAULT_CONTEXT = "manifests"


@dataclass(frozen=True)
class ExampleFiles:
    """One example (`fail` or `pass`) as files: what is committed first, then the working tree."""

    tree: Mapping[str, str]
    links: Mapping[str, str] = field(default_factory=dict)  # path -> target of a symbolic link
    base: Mapping[str, str] | None = None  # None: the tree is committed as it is
    added: tuple[ContextFile, ...] = ()  # context files the example did not replace


def split_files(text: str, where: str = "example") -> list[tuple[str, str | None, str]] | None:
    """`(path, link target or None, text)` per `# file:` block; None for a fragment."""
    lines = text.splitlines(keepends=True)
    heads = [i for i, line in enumerate(lines) if FILE_LINE.match(line.rstrip("\n"))]
    if not heads:
        return None
    if any(line.strip() for line in lines[: heads[0]]):
        raise LintError(f"{where}: text before the first `# file:` line (start the example with it)")
    blocks: list[tuple[str, str | None, str]] = []
    for n, start in enumerate(heads):
        match = FILE_LINE.match(lines[start].rstrip("\n"))
        assert match is not None
        path, target = match["path"], match["target"]
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or path.endswith("/"):
            raise LintError(f"{where}: `# file: {path}` must be a file path inside the repository")
        if any(b[0] == path for b in blocks):
            raise LintError(f"{where}: `# file: {path}` appears twice")
        body = "".join(lines[start + 1 : heads[n + 1] if n + 1 < len(heads) else len(lines)])
        if target is not None and body.strip():
            raise LintError(f"{where}: the link `{path} -> {target}` cannot have content")
        blocks.append((path, target, body))
    return blocks


def context_of(family: str, docs: Mapping[str, Any], where: str = "docs") -> Context:
    name = docs.get("context") or FAMILY_CONTEXTS.get(family, DEFAULT_CONTEXT)
    if name not in CONTEXTS:
        close = closest(name, CONTEXTS)
        tip = f" (did you mean `{close}`?)" if close else f" (one of: {', '.join(CONTEXTS)})"
        raise LintError(f"{where}: context: unknown example context `{name}`{tip}")
    return CONTEXTS[name]


def _files_only(docs: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    text = docs.get(key)
    if not text:
        return {}
    blocks = split_files(text, f"{where}.{key}")
    if blocks is None or any(target is not None for _, target, _ in blocks):
        raise LintError(f"{where}.{key}: name every file with a `# file: <path>` line (no links)")
    return {path: body for path, _, body in blocks}


def example_files(family: str, docs: Mapping[str, Any], which: str, where: str = "docs") -> ExampleFiles:
    """The repository that `docs[which]` ("fail" or "pass") describes."""
    context = context_of(family, docs, where)
    blocks = split_files(docs[which], f"{where}.{which}")
    if blocks is None:
        if context.slot is None:
            raise LintError(f"{where}.{which}: in context `{context.name}` a fragment is prose; name the files")
        blocks = [(context.slot, None, docs[which])]
    named = {path for path, _, _ in blocks}
    setup = _files_only(docs, "setup", where)
    base_files = _files_only(docs, "base", where) if docs.get("base") else None
    shown = named | set(setup) | set(base_files or {})
    added = tuple(f for f in context.files if f.path not in shown)
    around = {f.path: f.text for f in added} | setup
    tree = dict(around) | (base_files or {})
    links: dict[str, str] = {}
    for path, target, body in blocks:
        if target is None:
            tree[path] = body
        else:
            tree.pop(path, None)
            links[path] = target
    base = None if base_files is None else around | base_files
    return ExampleFiles(tree, links, base, added)


def is_prose(family: str, docs: Mapping[str, Any], which: str) -> bool:
    """A fragment in the `none` context describes a repository instead of being one (LN004)."""
    return context_of(family, docs).slot is None and split_files(docs[which]) is None


def validate_examples(family: str, docs: Mapping[str, Any], where: str) -> None:
    """Raise LintError for an example that cannot be built (called when a rule file loads)."""
    for which in ("fail", "pass"):
        if not is_prose(family, docs, which):
            example_files(family, docs, which, where)


def added_files(family: str, docs: Mapping[str, Any], which: str) -> tuple[ContextFile, ...]:
    """The context's files an example gets (none for prose)."""
    return () if is_prose(family, docs, which) else example_files(family, docs, which).added


def context_note(family: str, docs: Mapping[str, Any], which: str) -> str:
    """The lines on a rule page that say where a fragment goes and which files the context adds."""
    added = added_files(family, docs, which)
    if not added:
        return ""
    context = context_of(family, docs)
    link = f"[`{context.name}` example context](../writing-rules.md#example-contexts)"
    fragment = split_files(docs[which]) is None
    lead = f"This is `{context.slot}`; around it the {link} adds:" if fragment else f"The {link} adds:"
    return "\n".join([lead, "", *(f"- `{f.path}`: {f.about}" for f in added)])
