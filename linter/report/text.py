"""Human output: rich when on a terminal, plain text otherwise (or with NO_COLOR/--no-color)."""

from __future__ import annotations

from typing import IO

from rich.console import Console
from rich.text import Text

from ..model import Finding
from .escape import printable
from .json_report import summary

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


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


def render(findings: list[Finding], console: Console, baseline_fixed: int | None = None) -> None:
    shown = [f for f in findings if f.suppressed is None]
    current = None
    for finding in shown:
        if current is not None and finding.location.path != current:
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
    if total == 0:
        console.print(Text("No problems found.", style="green"))
        return
    parts = [
        f"{counts[k]} {k}{'s' if counts[k] != 1 and k != 'info' else ''}"
        for k in ("error", "warning", "info")
        if counts[k]
    ]
    tail = f" ({counts['suppressed']} suppressed)" if counts["suppressed"] else ""
    console.print(Text(f"Found {total} problem{'s' if total != 1 else ''}: {', '.join(parts)}{tail}.", style="bold"))
