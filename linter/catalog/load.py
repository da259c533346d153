"""Load the rule catalog: rule files and specs (secret producers and references, embedded
objects) under rules/ and the config's ruleDirs.

Every rule file is validated against schemas/rule.schema.json, its `check` must exist, its
`params` are validated against the schema derived from the check's parameter dataclass and
parsed into it, every `{field}` its message and hint use must be one the check declares, and
`fixable: true` needs a check that can propose fixes, and its documented examples must be
buildable as repositories (examples.py). Any problem is a LintError naming the file and field,
with the closest valid name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..checks.registry import REGISTRY
from ..core.errors import LintError
from ..core.reading import NotReadable, read_regular, resolved_inside
from ..core.resources import rules_dir, schema
from ..core.schema_errors import first_error
from ..core.suggest import closest
from ..loaders.yaml import decode, parse_documents
from ..model import Catalog, Rule, Severity, template_fields
from .examples import validate_examples
from .memo import Documents, memoised
from .params import parse, schema_of

# Files under rule directories that are not rules say what they are with `kind:`.
MAX_RULE_BYTES = 1 << 20
SPEC_SCHEMAS = {
    "SecretProducer": "secret-producer.schema.json",
    "SecretReference": "secret-reference.schema.json",
    "EmbeddedObject": "embedded-object.schema.json",
}


def load_catalog(extra_dirs: Iterable[Path] = (), confine: Path | None = None, memo_dir: Path | None = None) -> Catalog:
    """Every rule and spec file under the bundled rules/ and the config's ruleDirs, validated.
    With `confine` (the repository, when its own config names the ruleDirs), every extra rule
    directory and file must resolve inside it. With `memo_dir`, the bundled files' parsing and
    schema validation are reused from there (memo.py)."""
    rules: dict[str, Rule] = {}
    specs: dict[str, list[Mapping[str, Any]]] = {kind: [] for kind in SPEC_SCHEMAS}
    for path, data in _documents(extra_dirs, confine, memo_dir):
        if isinstance(data, dict) and data.get("kind") in SPEC_SCHEMAS:
            specs[data["kind"]].append(data)
            continue
        rule = _rule(path, data)
        if rule.id in rules:
            raise LintError(f"{path}: rule id {rule.id} is already used by {rules[rule.id].source}")
        rules[rule.id] = rule
    names = [r.name for r in rules.values()]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise LintError(f"rule name `{duplicate}` is used by two rules")
    ordered = tuple(sorted(rules.values(), key=lambda r: r.id))
    return Catalog(
        ordered, tuple(specs["SecretProducer"]), tuple(specs["SecretReference"]), tuple(specs["EmbeddedObject"])
    )


def _documents(extra_dirs: Iterable[Path], confine: Path | None, memo_dir: Path | None) -> Documents:
    """Each rule and spec file's data, parsed and checked against its schema, bundled ones first."""
    bundled = rules_dir()
    schemas = ("rule.schema.json", *SPEC_SCHEMAS.values())
    out = memoised(bundled, sorted(bundled.rglob("*.yaml")), schemas, memo_dir, _checked)
    for directory in extra_dirs:
        if confine is not None:
            _confined(directory, confine)
        if not directory.is_dir():
            raise LintError(f"{directory}: rule directory does not exist")
        for path in sorted(directory.rglob("*.yaml")):
            if confine is not None:
                _confined(path, confine)
            out.append((path, _checked(path)))
    return out


def _checked(path: Path) -> Any:
    data = _read(path)
    if isinstance(data, dict) and data.get("kind") in SPEC_SCHEMAS:
        return _spec(path, data)
    _check_rule_schema(path, data)
    return data


def _confined(path: Path, root: Path) -> None:
    if resolved_inside(path, root) is None:
        raise LintError(
            f"{path}: ruleDirs of the repository's own config must stay inside the repository "
            "(a --config given on the command line may point anywhere)"
        )


def load_rules(extra_dirs: Iterable[Path] = ()) -> tuple[Rule, ...]:
    return load_catalog(extra_dirs).rules


def _read(path: Path) -> Any:
    try:
        text = decode(read_regular(path, MAX_RULE_BYTES))
    except NotReadable as exc:
        raise LintError(f"{path}: cannot read rule: {exc}") from None
    docs, problems = parse_documents(text or "", str(path))
    if text is None or problems or not docs:
        reason = problems[0].fields.get("reason", "invalid YAML") if problems else "empty or not UTF-8"
        raise LintError(f"{path}: cannot read rule: {reason}")
    return docs[0].data


def _spec(path: Path, data: dict[str, Any]) -> Mapping[str, Any]:
    error = first_error(schema(SPEC_SCHEMAS[data["kind"]]), data)
    if error:
        raise LintError(f"{path}: invalid {data['kind']}: {error}")
    for entry in data.get("produces", ()) if data["kind"] == "SecretProducer" else ():
        try:
            re.compile(entry.get("script") or "")
        except re.error as exc:
            raise LintError(f"{path}: invalid SecretProducer: script: {exc}") from None
    return data


def load_rule(path: Path, data: Any) -> Rule:
    _check_rule_schema(path, data)
    return _rule(path, data)


def _check_rule_schema(path: Path, data: Any) -> None:
    error = first_error(schema("rule.schema.json"), data)
    if error:
        raise LintError(f"{path}: invalid rule: {error}")


def _rule(path: Path, data: Any) -> Rule:
    """A rule from data that passed rule.schema.json: the checks that depend on the code."""
    check = REGISTRY.get(data["check"])
    if check is None:
        close = closest(data["check"], REGISTRY)
        tip = f" (did you mean `{close}`?)" if close else ""
        raise LintError(f"{path}: check: unknown check `{data['check']}`{tip}")
    raw = data.get("params") or {}
    error = first_error(schema_of(check.params), raw)
    if error:
        raise LintError(f"{path}: params: {error}")
    for key in ("message", "hint"):
        for name in template_fields(data[key]):
            if name not in check.fields:
                close = closest(name, check.fields)
                tip = f" (did you mean `{close}`?)" if close else f" (available: {', '.join(sorted(check.fields))})"
                raise LintError(f"{path}: {key}: unknown field `{{{name}}}`{tip}")
    params = parse(check.params, raw)
    invalid = getattr(params, "invalid", None)
    problem = invalid() if callable(invalid) else None
    if problem:
        raise LintError(f"{path}: params: {problem}")
    validate_examples(data["id"][:2], data["docs"], f"{path}: docs")
    fixable = bool(data.get("fixable", False))
    if fixable and not check.fixes:
        raise LintError(f"{path}: fixable: check `{check.name}` proposes no fixes, so the rule cannot be fixable")
    return Rule(
        data["id"],
        data["name"],
        data["summary"],
        Severity(data["severity"]),
        data["check"],
        params,
        data["message"],
        data["hint"],
        data["docs"],
        fixable,
        tuple(data.get("aliases") or ()),
        str(path),
        bool(data.get("enabled", True)),
    )
