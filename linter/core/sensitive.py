"""Values that must never be printed: those under keys that name a credential.

Helm's error messages quote values (a `values.schema.json` `pattern` failure prints the value, a
`fail` or `required` message may include one), a `--diff` shows the lines around a fix and the
text output shows the line a finding points at. Any value under a key that looks like a
credential, or in a Secret's data, is replaced by `***` there. Keys that hold the
*name* of a Secret (`existingSecret`, `secretName`) are not credentials and stay readable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import yaml

_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")  # camelCase, snake_case and kebab-case words
_LAST_WORDS = frozenset({"password", "passwd", "passphrase", "pass", "token", "secret", "credential", "credentials"})
_LAST_WORDS |= {"htpasswd", "dsn", "apikey", "secretkey", "privatekey", "accesskey", "pwd"}
_LAST_PAIRS = frozenset(
    {("api", "key"), ("secret", "key"), ("private", "key"), ("access", "key"), ("connection", "string")}
)
_NAMING = frozenset({"existing", "name", "ref"})  # existingSecret, secretName: a Secret's name, not a value
MASK = "***"
MIN_MASKED = 4  # shorter values ("", "no", "x") are too common to mask without hiding words


def is_credential_key(key: object) -> bool:
    """`password`, `dbPassword`, `api_key`, `client-secret`, `auth.token`; not `bypass`,
    `existingSecret` or `tokenTTL`."""
    if not isinstance(key, str):
        return False
    words = [w.lower() for w in _WORD.findall(key)]
    if not words or (words[-1] not in _LAST_WORDS and tuple(words[-2:]) not in _LAST_PAIRS):
        return False
    return not (len(words) > 1 and words[-2] in _NAMING)


def credential_values(*trees: Any) -> set[str]:
    """Every string (or number) under a credential key, anywhere in these values trees."""
    found: set[str] = set()
    for tree in trees:
        found.update(_walk(tree, credential=False))
    return {value for value in found if len(value) >= MIN_MASKED}


def _walk(node: Any, credential: bool) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, credential or is_credential_key(key))
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, credential)
    elif credential and isinstance(node, (str, int, float)) and not isinstance(node, bool):
        yield str(node)


def mask(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of the values replaced by `***` (longest first)."""
    for value in sorted(set(values), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


_KEY_LINE = re.compile(
    r"^(?P<lead>\s*(?:- )?)(?P<key>[^\s:#'\"][^:#]*?|'[^']*'|\"[^\"]*\")(?P<sep>\s*:(?:\s+|$))(?P<value>.*)$"
)
# `kind: Secret` in any spelling a file may use: block or flow style, JSON, a tag, a list item
_SECRET_KIND = re.compile(r"\bkind['\"]?\s*:\s*(?:!!str\s+)?['\"]?(?:Secret|SealedSecret)\b")
# a flow mapping of secret values: `data: {k: v}`, `"stringData": {...}`, within any line
_FLOW_DATA = re.compile(r"(?<![\w.-])['\"]?(?:data|stringData)['\"]?\s*:\s*\{")


def masked_lines(text: str) -> list[str]:
    """The lines of `text`, each value under a credential key (or in a Secret's data, stringData
    or a SealedSecret's template data) replaced by `***`, block scalars included; keys stay.

    The Secrets' values are found by parsing (any style: flow, JSON, tags, anchors, quotes over
    several lines); then every line is masked by its shape too, which covers credential keys
    anywhere and a file that does not parse (the finding may be its syntax error)."""
    return _shape_masked("".join(_parsed_masked(text)))


def _parsed_masked(text: str) -> list[str]:
    """The lines of `text` with the value of every entry of a Secret's data and stringData, and a
    SealedSecret's template data, replaced by `***` (the text unchanged when it does not parse)."""
    try:
        roots = list(yaml.compose_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except (yaml.YAMLError, RecursionError, ValueError):
        return text.splitlines(keepends=True)
    spans = [span for root in roots for span in _secret_value_spans(root)]
    return _masked_spans(text.splitlines(keepends=True), spans)


_Span = tuple[int, int, int, int]  # first line, its column, last line, the column after (0-based)


def _secret_value_spans(node: yaml.Node | None, in_list: bool = False) -> Iterator[_Span]:
    """Where the values of the Secret `node` (or of the Secrets in the list it is: a file of
    objects, a `kind: List`) are in its text."""
    if isinstance(node, yaml.SequenceNode) and not in_list:
        for item in node.value:
            yield from _secret_value_spans(item, in_list=True)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    fields = _entries(node)
    kind = fields.get("kind")
    kind_name = kind.value if isinstance(kind, yaml.ScalarNode) else None
    if kind_name in {"List", "SecretList"} and not in_list:
        items = fields.get("items")
        for item in items.value if isinstance(items, yaml.SequenceNode) else ():
            yield from _secret_value_spans(item, in_list=True)
        return
    holders: list[yaml.Node | None] = []
    if kind_name == "Secret":
        holders = [fields.get("data"), fields.get("stringData")]
    elif kind_name == "SealedSecret":
        spec = fields.get("spec")
        template = _entries(spec).get("template") if isinstance(spec, yaml.MappingNode) else None
        inner = _entries(template) if isinstance(template, yaml.MappingNode) else {}
        holders = [inner.get("data"), inner.get("stringData")]
    for holder in holders:
        values = [v for _, v in holder.value] if isinstance(holder, yaml.MappingNode) else [holder]
        for value in values:
            if value is not None:
                start, end = value.start_mark, value.end_mark
                yield start.line, start.column, end.line, end.column


def _entries(node: yaml.MappingNode) -> dict[str, yaml.Node]:
    """A mapping's keys (the scalar ones) → their value nodes; a repeated key keeps its first."""
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            out.setdefault(str(key.value), value)
    return out


def _masked_spans(lines: list[str], spans: Iterable[_Span]) -> list[str]:
    """`lines` with each span's text replaced by `***` (the indentation of the lines a span
    covers in full kept); the line ends stay."""
    cuts: dict[int, list[tuple[int, int]]] = {}
    for first, start, last, end in spans:
        for number in range(first, min(last, len(lines) - 1) + 1):
            body = lines[number].rstrip("\r\n")
            begin = start if number == first else len(body) - len(body.lstrip(" "))
            stop = end if number == last else len(body)
            if body[begin:stop].strip():
                cuts.setdefault(number, []).append((begin, stop))
    out = list(lines)
    for number, ranges in cuts.items():
        body, ending = out[number].rstrip("\r\n"), out[number][len(out[number].rstrip("\r\n")) :]
        for begin, stop in sorted(_merged(ranges), reverse=True):
            body = body[:begin] + MASK + body[stop:]
        out[number] = body + ending
    return out


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for begin, stop in sorted(ranges):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((begin, stop))
    return merged


def _shape_masked(text: str) -> list[str]:
    """Masking by the shape of each line: values under credential keys, and a Secret's data in
    block or flow style (what a file that does not parse can still be read for)."""
    secret_file = bool(_SECRET_KIND.search(text))
    out: list[str] = []
    data_below: int | None = None  # keys indented deeper than this hold secret values
    block_below: int | None = None  # lines indented deeper than this are a secret block scalar
    open_braces = 0  # a flow mapping of secret values goes on past its line
    for line in text.splitlines(keepends=True):
        body, end = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")) :]
        indent = len(body) - len(body.lstrip(" "))
        if open_braces:
            masked, open_braces = _masked_flow(body, open_braces)
            out.append(masked + end)
            continue
        if body.strip():
            block_below = None if block_below is not None and indent <= block_below else block_below
            data_below = None if data_below is not None and indent <= data_below else data_below
        if block_below is not None:
            out.append(" " * indent + MASK + end if body.strip() else line)
            continue
        if secret_file and _FLOW_DATA.search(body):
            masked, open_braces = _masked_flows(body)
            out.append(masked + end)
            continue
        match = _KEY_LINE.match(body)
        if match is None:
            out.append(line)
            continue
        key, value = match.group("key").strip("'\""), match.group("value").strip()
        if secret_file and key in ("data", "stringData") and value in ("", "{"):  # "{": JSON's block
            data_below = indent
        elif (data_below is not None or is_credential_key(key)) and value:
            if value[:1] in ("|", ">"):
                block_below = indent
            else:
                line = match.group("lead") + match.group("key") + match.group("sep") + MASK + end
        out.append(line)
    return out


def _masked_flows(body: str) -> tuple[str, int]:
    """A line with `data: {...}` flow mappings: the inside of each shown as `***`; and how many
    braces the last one leaves open (it goes on over the next lines)."""
    shown, rest = "", body
    while (flow := _FLOW_DATA.search(rest)) is not None:
        shown, inner = shown + rest[: flow.end()], rest[flow.end() :]
        closing, depth = _braces(inner, 1)
        if closing is None:
            return shown + (MASK if inner.strip() else inner), depth
        shown += (MASK if inner[:closing].strip() else inner[:closing]) + "}"
        rest = inner[closing + 1 :]
    return shown + rest, 0


def _masked_flow(line: str, depth: int) -> tuple[str, int]:
    """A line inside a flow mapping of secret values `depth` braces deep: what is inside shown
    as `***` (its indentation kept), what follows the closing brace kept; and the depth left."""
    closing, left = _braces(line, depth)
    inside = line if closing is None else line[:closing]
    lead = inside[: len(inside) - len(inside.lstrip(" "))]
    shown = lead + MASK if inside.strip() else inside
    return (shown, left) if closing is None else (shown + line[closing:], 0)


def _braces(text: str, depth: int) -> tuple[int | None, int]:
    """Where in `text` the brace that closes a flow mapping `depth` deep is (None if the text
    ends first), and the depth at its end; braces in quoted scalars do not count."""
    quote, escaped = "", False
    for index, char in enumerate(text):
        if escaped:  # the character after a backslash in a double-quoted scalar
            escaped = False
        elif quote:
            escaped = char == "\\" and quote == '"'
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "{}":
            depth += 1 if char == "{" else -1
            if depth == 0:
                return index, 0
    return None, depth


_SHOWN_KEYS = frozenset({"apiVersion", "kind", "name", "namespace", "type"})


def value_masked(line: str) -> str:
    """`line` with whatever value it holds replaced by `***` (the key stays; `name`, `kind`
    and the like stay readable): for a line that may belong to a Secret's data."""
    body = line.rstrip("\r\n")
    end = line[len(body) :]
    match = _KEY_LINE.match(body)
    if match is None:
        stripped = body.lstrip(" ")
        return body[: len(body) - len(stripped)] + MASK + end if stripped else line
    if match.group("key").strip("'\"") in _SHOWN_KEYS or not match.group("value").strip():
        return line
    return match.group("lead") + match.group("key") + match.group("sep") + MASK + end


_URL_CREDENTIALS = re.compile(r"://[^/\s:@]+:[^/\s@]+@")  # scheme://user:password@host
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][\w.-]*)\s*=\s*(?P<value>\S.*)$")  # .env, ini
_EMPTY = frozenset({"", "''", '""', "~", "null"})
_CREDENTIAL_FILES = frozenset(
    {"tls.key", ".dockerconfigjson", ".dockercfg", "ssh-privatekey", "id_rsa", "id_ecdsa", "id_ed25519"}
) | {".git-credentials", ".htpasswd", "htpasswd", "credentials", ".netrc", "kubeconfig"}


def holds_credential(key: object, value: object) -> bool:
    """Does a Secret's entry hold a credential: a key named like one (`password`, `tls.key`), a
    private key, a URL with a password, or a config file with such a key inside (a config that
    only points at `password_file: /run/secrets/db` holds none)?"""
    if is_credential_key(key) or (isinstance(key, str) and key.lower() in _CREDENTIAL_FILES):
        return True
    if not isinstance(value, str):
        return False
    if "PRIVATE KEY-----" in value or _URL_CREDENTIALS.search(value):
        return True
    return _config_holds_credential(value)


def _config_holds_credential(text: str) -> bool:
    """A credential key with a value in a YAML, JSON, .env or ini text, read line by line (no
    YAML parser: a value is repo data, and an alias bomb in it must cost nothing)."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return any(_walk(json.loads(text), credential=False))
        except (ValueError, RecursionError):  # not JSON, or nested thousands deep (hostile): read as lines
            pass
    for line in text.splitlines():
        match = _KEY_LINE.match(line) or _ASSIGNMENT.match(line)
        credential = match is not None and is_credential_key(match.group("key").strip("'\""))
        if credential and match is not None and match.group("value").split(" #")[0].strip() not in _EMPTY:
            return True
    return False
