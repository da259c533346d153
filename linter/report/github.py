"""`--format github`: workflow commands that GitHub Actions and Gitea Actions turn into annotations."""

from __future__ import annotations

from ..model import Finding
from .escape import printable

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return printable(text, keep_newlines=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: list[Finding], prefix: str = "") -> str:
    lines = []
    for f in findings:
        if f.suppressed is not None:
            continue
        loc = f.location
        title = _property(f"{f.rule} {f.name}")
        props = f"file={_property(prefix + loc.path)},line={loc.line},col={loc.column},title={title}"
        where = f" (cluster {', '.join(f.clusters)})" if f.clusters else ""
        body = f"{f.message}{where}. {f.hint}"
        if f.suggestions:
            body += " Did you mean " + " or ".join(f"`{s}`" for s in f.suggestions) + "?"
        lines.append(f"::{COMMAND[f.severity.value]} {props}::{_data(body)}")
    return "\n".join(lines) + ("\n" if lines else "")
