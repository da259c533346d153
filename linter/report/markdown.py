"""`--format markdown`: a job summary ($GITHUB_STEP_SUMMARY, which GitHub and Gitea 1.27+ show)
and the body of a pull-request review.

A table of counts by family and severity, then the findings grouped by Application, each with
its rule linked to its documentation, its `file:line` linked to the file at the PR head when the
platform is known, the message, hint and did-you-mean. Repo text is escaped so it can neither
format, link nor mention: the characters that do so are backslash-escaped outside code spans
(and block markers at the start of a line), and code spans get a fence longer than any
backtick run they hold. Output is capped
(GitHub refuses a summary over 1 MiB) with a note saying what was left out."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from ..model import FAMILY_TITLES, Finding
from .escape import printable
from .grouping import Group

LIMIT_BYTES = 1_000_000  # below GitHub's 1 MiB per step summary, with room for the closing note
SEVERITIES = ("error", "warning", "info")
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~@&])")  # what formats, links, mentions or starts HTML
_BLOCK_START = re.compile(r"^(?=[-+*#>=]|\d+[.)])")  # what starts a list, heading or quote at a line's start


@dataclass(frozen=True)
class Links:
    """Where the linted commit can be browsed: file links point at it."""

    server: str  # https://github.com, https://gitea.example
    repository: str  # owner/name
    sha: str
    platform: Literal["github", "gitea"]
    prefix: str = ""  # the lint root's path inside the repository ("" or "dir/")

    def file(self, path: str, line: int) -> str:
        where = "blob" if self.platform == "github" else "src/commit"
        target = quote(self.prefix + path, safe="/")
        return f"{self.server.rstrip('/')}/{self.repository}/{where}/{self.sha}/{target}#L{line}"


def text(value: str) -> str:
    """Repo text as Markdown that shows it literally; `code` spans stay code spans when the
    backticks pair up as the linter writes them. A name holding backticks can break the pairing
    (an empty span, or two spans that touch and so merge into one fence): then no span is kept,
    and every backtick is escaped with the rest."""
    parts = printable(value).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: the last one is literal
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    spans, between = parts[1::2], parts[2:-1:2]
    if not all(span.strip() for span in spans) or not all(between):
        return _SPECIAL.sub(r"\\\1", printable(value))
    return "".join(_code(part) if index % 2 else _SPECIAL.sub(r"\\\1", part) for index, part in enumerate(parts))


def _code(value: str) -> str:
    if not value.strip():
        return _SPECIAL.sub(r"\\\1", "`" + value + "`")
    fence = "`" * (max((len(run) for run in re.findall("`+", value)), default=0) + 1)
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def render(
    findings: Sequence[Finding],
    group_of: Callable[[Finding], Group],
    docs: Mapping[str, str],
    links: Links | None = None,
    baseline_fixed: int | None = None,
    limit: int = LIMIT_BYTES,
    listed: Callable[[Finding], bool] = lambda finding: True,
    note: str = "",
) -> str:
    """The summary of `findings`; `docs` maps rule ids to their documentation pages. The table
    counts every finding; only those `listed` are written out (a review comments on the others
    at their lines, and says so in `note`)."""
    shown = [f for f in findings if f.suppressed is None]
    head = _heading(shown) + _family_table(shown) + _hidden(findings, baseline_fixed) + (f"\n{note}\n" if note else "")
    to_list = [f for f in shown if listed(f)]
    groups: dict[Group, list[Finding]] = {}
    for finding in to_list:
        groups.setdefault(group_of(finding), []).append(finding)
    parts, size, written = [head], len(head.encode()), 0
    for group in sorted(groups):
        header = f"\n### {_group_title(group)}\n\n"
        for finding in groups[group]:
            piece = header + _item(finding, docs, links)
            if size + len(piece.encode()) > limit:
                parts.append(_truncated(len(to_list) - written, limit))
                return "".join(parts)
            parts.append(piece)
            size, written, header = size + len(piece.encode()), written + 1, ""
    return "".join(parts)


def _heading(shown: Sequence[Finding]) -> str:
    counts = Counter(f.severity.value for f in shown)
    if not shown:
        return "## m0sh1-lint: no problems found\n"
    parts = [_count(counts[s], s) for s in SEVERITIES if counts[s]]
    return f"## m0sh1-lint: {', '.join(parts)}\n"


def _count(number: int, severity: str) -> str:
    return f"{number} {severity}{'s' if number != 1 and severity != 'info' else ''}"


def _family_table(shown: Sequence[Finding]) -> str:
    if not shown:
        return ""
    counts = Counter((f.rule[:2], f.severity.value) for f in shown)
    rows = ["", "| Family | Errors | Warnings | Info |", "| --- | ---: | ---: | ---: |"]
    for family in sorted({f.rule[:2] for f in shown}):
        title = FAMILY_TITLES.get(family)
        label = f"{text(family)} {title}" if title else text(family)
        rows.append(f"| {label} | " + " | ".join(str(counts[(family, s)]) for s in SEVERITIES) + " |")
    totals = Counter(f.severity.value for f in shown)
    rows.append("| **Total** | " + " | ".join(f"**{totals[s]}**" for s in SEVERITIES) + " |")
    return "\n".join(rows) + "\n"


def _hidden(findings: Sequence[Finding], baseline_fixed: int | None) -> str:
    baselined = sum(1 for f in findings if f.suppressed_by == "baseline")
    suppressed = sum(1 for f in findings if f.suppressed is not None) - baselined
    notes = []
    if suppressed:
        notes.append(f"{suppressed} suppressed finding{'s' if suppressed != 1 else ''} not shown")
    if baselined:
        notes.append(f"{baselined} baselined finding{'s' if baselined != 1 else ''} not shown")
    if baseline_fixed:
        notes.append(
            f"{baseline_fixed} baselined finding{'s' if baseline_fixed != 1 else ''} no longer "
            f"occur{'s' if baseline_fixed == 1 else ''} (refresh the baseline with `--write-baseline`)"
        )
    return "\n" + "; ".join(notes) + ".\n" if notes else ""


def _group_title(group: Group) -> str:
    if group.rank == 3:
        return "The repository"
    title = f"{group.title.split(' ', 1)[0]} {_code(printable(group.name))}"
    return title + (f" ({_code(printable(group.file))})" if group.file else "")


def _item(finding: Finding, docs: Mapping[str, str], links: Links | None) -> str:
    loc = finding.location
    where = _code(printable(f"{loc.path}:{loc.line}"))
    where = f"[{where}]({links.file(loc.path, loc.line)})" if links else where
    return f"- **{finding.severity.value}** {_rule(finding, docs)} at {where}: {_said(finding)}\\\n  {_hint(finding)}\n"


def comment(finding: Finding, docs: Mapping[str, str]) -> str:
    """A review comment on the finding's line: the line itself says where."""
    return f"**{finding.severity.value}** {_rule(finding, docs)}: {_said(finding)}\n\n{_hint(finding)}\n"


def _rule(finding: Finding, docs: Mapping[str, str]) -> str:
    rule = f"{text(finding.rule)} {text(finding.name)}"
    return f"[{rule}]({docs[finding.rule]})" if finding.rule in docs else rule


def _said(finding: Finding) -> str:
    clusters = f" (cluster {text(', '.join(finding.clusters))})" if finding.clusters else ""
    return text(finding.message) + clusters


def _hint(finding: Finding) -> str:
    """The hint, safe at the start of a line."""
    hint = _BLOCK_START.sub("\\\\", text(finding.hint))
    if finding.suggestions:
        hint += " Did you mean " + " or ".join(_code(printable(s)) for s in finding.suggestions) + "?"
    return hint


def _truncated(left: int, limit: int) -> str:
    return (
        f"\n**{left} more finding{'s' if left != 1 else ''} not shown:** this summary is capped at "
        f"{limit:,} bytes. The job log and `--format json` or `--format sarif` list every finding.\n"
    )
