"""Human output: rich when on a terminal, plain text otherwise (or with NO_COLOR/--no-color).

Each finding is its `file:line:col` line, the source line it points at with a marker under the
column (when the caller hands in the file's masked lines), its hint and did-you-mean."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO

from rich.console import Console
from rich.text import Text

from ..model import Finding
from .escape import printable
from .frames import Frame, frame
from .json_report import summary

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SECRET_KINDS = frozenset({"Secret", "SealedSecret"})


def make_console(stream: IO[str], color: bool | None) -> Console:
    """`color=None` lets rich decide (TTY and NO_COLOR); False forces plain text."""
    return Console(
        file=stream,
        no_color=color is False,
        force_terminal=None if color is None else color,
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )


def render(
    findings: list[Finding],
    console: Console,
    baseline_fixed: int | None = None,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """`sources`: repo-relative path → the file's lines, masked; None shows no source frames."""
    shown = [f for f in findings if f.suppressed is None]
    current = None
    for finding in shown:
        if current is not None and (sources is not None or finding.location.path != current):
            console.print()
        current = finding.location.path
        loc = finding.location
        line = Text()
        line.append(f"{printable(loc.path)}:{loc.line}:{loc.column}", style="bold")
        line.append(" ")
        line.append(finding.rule, style=STYLE[finding.severity.value])
        line.append(f" {finding.name} ", style="dim")
        line.append(printable(finding.message))
        if finding.clusters:
            line.append(printable(f" [{', '.join(finding.clusters)}]"), style="cyan")
        console.print(line)
        lines = sources.get(loc.path) if sources is not None else None
        framed = frame(lines, loc.line, loc.column, _about_secret(finding)) if lines else None
        if framed is not None:
            _print_frame(console, framed, STYLE[finding.severity.value])
        console.print(Text(f"  {finding.severity.value}: {printable(finding.hint)}", style="dim"))
        if finding.suggestions:
            options = " or ".join(f"`{printable(s)}`" for s in finding.suggestions)
            console.print(Text(f"  did you mean {options}?", style="green"))
    counts = summary(findings)
    total = counts["error"] + counts["warning"] + counts["info"]
    if shown:
        console.print()
    if baseline_fixed:
        plural = baseline_fixed != 1
        console.print(
            Text(
                f"{baseline_fixed} baselined finding{'s' if plural else ''} no longer occur{'' if plural else 's'}; "
                "refresh the baseline with --write-baseline.",
                style="green",
            )
        )
    tail = f" ({counts['suppressed']} suppressed)" if counts["suppressed"] else ""
    if total == 0:
        console.print(Text(f"No problems found{tail}.", style="green"))
        return
    parts = [
        f"{counts[k]} {k}{'s' if counts[k] != 1 and k != 'info' else ''}"
        for k in ("error", "warning", "info")
        if counts[k]
    ]
    console.print(Text(f"Found {total} problem{'s' if total != 1 else ''}: {', '.join(parts)}{tail}.", style="bold"))


def _about_secret(finding: Finding) -> bool:
    return finding.resource is not None and finding.resource.kind in SECRET_KINDS


def _print_frame(console: Console, framed: Frame, style: str) -> None:
    """ruff's layout: a gutter with line numbers, the lines, a marker row under the column."""
    width = len(str(framed.lines[-1][0]))
    gutter = " " * width + " |"
    console.print(Text(gutter, style="blue"))
    for number, text in framed.lines:
        row = Text(f"{number:>{width}} | ", style="blue")
        row.append(text)
        console.print(row)
    marker = Text(gutter + " " + " " * framed.start, style="blue")
    marker.append("^" * framed.width, style=style)
    console.print(marker)
