"""Command line. Exit codes are decided here and only here:

0  no error-severity findings (and no warnings with --strict)
1  error findings (or warnings with --strict)
2  usage, configuration, rule-file or internal error
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .checks.wording import count
from .core.errors import LintError
from .publish.actions import actions_run, in_actions
from .report.escape import printable

if TYPE_CHECKING:  # the pipeline loads lazily: `--help` and `--version` stay fast
    from .loaders.fetch.cache import ChartCache
    from .loaders.fetch.fetcher import Progress, Result
    from .loaders.fetch.sources import ChartSource
    from .model import Finding
    from .pipeline import Options, Report, Setup
    from .post.fix import FileEdit
    from .report import markdown
    from .report.grouping import Group

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class DefaultGroup(click.Group):
    """`m0sh1-lint apps/` means `m0sh1-lint lint apps/`: unknown first words go to `lint`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["lint", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="m0sh1-lint")
def cli() -> None:
    """Lint a GitOps repository (Argo CD, Helm wrapper charts, SealedSecrets, CNPG) before merge.

    `m0sh1-lint [OPTIONS] [PATHS]...` is short for `m0sh1-lint lint`; `m0sh1-lint lint --help`
    lists its options.
    """


ROOT_OPTION = click.option(
    "--root",
    type=click.Path(),
    help="Repository root (default: the nearest directory above the first path with .git or .m0sh1-lint.yaml).",
)
CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(), help="Config file (default: .m0sh1-lint.yaml at the root)."
)


def _csv(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class _Run:
    setup: Setup
    scope: tuple[str, ...]  # repo-relative paths given on the command line

    @property
    def root(self) -> Path:
        return self.setup.root


def _prepare(
    paths: tuple[str, ...], root: str | None, config_path: str | None, select: tuple[str, ...], ignore: tuple[str, ...]
) -> _Run:
    from .loaders.files import find_root
    from .pipeline import prepare

    for path in paths:
        if not Path(path).exists():
            raise LintError(f"path `{path}` does not exist")
    repo_root = Path(root).resolve() if root else find_root(Path(paths[0]) if paths else Path.cwd())
    if not repo_root.is_dir():
        raise LintError(f"--root `{root}` is not a directory")
    if config_path and not Path(config_path).is_file():
        raise LintError(f"--config `{config_path}` does not exist")
    setup = prepare(repo_root, Path(config_path) if config_path else None, _csv(select), _csv(ignore))
    scope = tuple(_relative(Path(p), repo_root) for p in paths)
    for path, rel in zip(paths, scope, strict=False):
        if rel.startswith("../"):
            raise LintError(f"path `{path}` is outside the repository root `{repo_root}`")
    return _Run(setup, tuple(s for s in scope if s not in ("", ".")))


def _relative(path: Path, root: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return "../" + resolved.as_posix()


@cli.command("lint")
@click.argument("paths", nargs=-1, type=click.Path())
@ROOT_OPTION
@CONFIG_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github", "markdown"]),
    help="Output format (default: github under GitHub/Gitea Actions, else text).",
)
@click.option(
    "--output",
    "output_file",
    type=click.Path(dir_okay=False),
    help="Also write the report (in --format) to FILE; the console gets text.",
)
@click.option(
    "--summary",
    "summary_file",
    type=click.Path(dir_okay=False),
    help="Append a markdown job summary to FILE (the action passes $GITHUB_STEP_SUMMARY).",
)
@click.option(
    "--gitea-review",
    is_flag=True,
    help="Post the findings as a review of the pull request on Gitea/Forgejo (token: GITEA_TOKEN or GITHUB_TOKEN).",
)
@click.option(
    "--gitea-review-required", is_flag=True, help="Like --gitea-review, and exit 2 when the review cannot be posted."
)
@click.option("--gitea-url", help="Gitea server for --gitea-review (default: $GITHUB_SERVER_URL).")
@click.option("--gitea-repo", help="owner/name for --gitea-review (default: $GITHUB_REPOSITORY).")
@click.option("--gitea-pr", type=int, help="Pull request number for --gitea-review (default: from the event payload).")
@click.option("--select", multiple=True, help="Only these rules: ids, names or prefixes, comma-separated (SC,PG001).")
@click.option("--ignore", multiple=True, help="Skip these rules: ids, names or prefixes, comma-separated.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="Lowest severity that fails the run (exit 1).",
)
@click.option("--strict", is_flag=True, help="Same as --fail-on warning.")
@click.option(
    "--base",
    "base_ref",
    help="Compare chart versions with the merge base of this ref (a PR's target branch, e.g. origin/main).",
)
@click.option("--staged", is_flag=True, help="Compare the staged files with HEAD (default inside a pre-commit run).")
@click.option(
    "--changed",
    is_flag=True,
    help="Report only findings that the changed files (staged, or since --base) can have caused.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    "write_baseline",
    type=click.Path(dir_okay=False),
    help="Record the current findings in FILE and exit 0.",
)
@click.option(
    "--fix",
    "apply_fix",
    is_flag=True,
    help="Apply proposed fixes (chart version bumps, StorageClass renames), then lint again.",
)
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff; change nothing.")
@click.option(
    "--offline", is_flag=True, help="Never fetch charts: use what the chart cache has (M0SH1_LINT_OFFLINE=1)."
)
@click.option("-v", "--verbose", count=True, help="Say what was loaded, skipped and how long it took (stderr).")
@click.option("-q", "--quiet", is_flag=True, help="Only the finding lines: no hints, no summary.")
@click.option("--concise", is_flag=True, help="No source lines under the findings (text output).")
@click.option("--no-color", is_flag=True, help="Plain text even on a terminal (NO_COLOR is honoured too).")
def lint_command(
    paths: tuple[str, ...],
    root: str | None,
    config_path: str | None,
    output_format: str | None,
    output_file: str | None,
    summary_file: str | None,
    gitea_review: bool,
    gitea_review_required: bool,
    gitea_url: str | None,
    gitea_repo: str | None,
    gitea_pr: int | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str,
    strict: bool,
    base_ref: str | None,
    staged: bool,
    changed: bool,
    baseline_file: str | None,
    write_baseline: str | None,
    apply_fix: bool,
    show_diff: bool,
    offline: bool,
    verbose: int,
    quiet: bool,
    concise: bool,
    no_color: bool,
) -> None:
    """Lint PATHS (default: the whole repository). The inventory always comes from the whole repo;
    PATHS only restrict where findings are reported."""
    from .pipeline import Options
    from .post import baseline
    from .post import fix as fixer

    prepared = _prepare(paths, root, config_path, select, ignore)
    options = Options(
        prepared.scope,
        base_ref,
        staged or bool(os.environ.get("PRE_COMMIT")),
        changed,
        offline=offline,
        progress=_download_display(),
    )
    report = _lint(prepared, options, verbose)
    findings = list(report.findings)
    if show_diff or apply_fix:
        edits = _fix_rounds(prepared, options, findings)
        if show_diff:
            click.echo(fixer.diff(edits), nl=False)
            raise SystemExit(EXIT_OK)
        for stale in fixer.remove_stale_temps(prepared.root):
            click.echo(printable(f"m0sh1-lint: removed {stale}, left by an interrupted --fix"), err=True)
        for path in fixer.write(prepared.root, edits):
            click.echo(printable(f"m0sh1-lint: fixed {path}"), err=True)
        if edits:
            report = _lint(prepared, options, 0)
            findings = list(report.findings)
    if write_baseline:
        try:
            count = baseline.write(Path(write_baseline), findings)
        except OSError as exc:
            raise LintError(f"--write-baseline {write_baseline}: cannot write it ({exc.strerror or exc})") from None
        click.echo(printable(f"m0sh1-lint: recorded {count} findings in {write_baseline}"), err=True)
        raise SystemExit(EXIT_OK)
    fixed_since_baseline = None
    if baseline_file:
        applied = baseline.apply(findings, baseline.read(Path(baseline_file)))
        findings, fixed_since_baseline = applied.findings, applied.fixed

    outputs = _Outputs(prepared, report, findings, fixed_since_baseline)
    chosen = output_format or ("github" if in_actions(os.environ) else "text")
    if output_file:
        _write(output_file, "--output", outputs.render(chosen))
        chosen = "text"
    if summary_file:
        _write(summary_file, "--summary", outputs.render("markdown"), append=True)
    threshold = {"error": 3, "warning": 2, "info": 1}["warning" if strict and fail_on == "error" else fail_on]
    if gitea_review or gitea_review_required:
        target = _PullRequestFlags(gitea_url, gitea_repo, gitea_pr)
        _post_review(outputs, target, lambda f: f.severity.rank >= threshold, required=gitea_review_required)
    if chosen == "text":
        _print_text(findings, no_color, quiet, fixed_since_baseline, None if concise else prepared.root)
    else:
        click.echo(outputs.render(chosen), nl=False)
    if not quiet:
        _note_nothing_deployed(report)
    failing = any(f.severity.rank >= threshold for f in findings if f.suppressed is None)
    raise SystemExit(EXIT_FINDINGS if failing else EXIT_OK)


def _print_text(
    findings: list[Finding], no_color: bool, quiet: bool, baseline_fixed: int | None, sources_root: Path | None
) -> None:
    """Text output; with `sources_root`, each finding shows the source line it points at."""
    from .core.sensitive import masked_lines
    from .loaders.files import source_texts
    from .report import text

    console = text.make_console(sys.stdout, False if no_color else None)
    if not quiet:
        sources = None
        if sources_root is not None:
            paths = {f.location.path for f in findings if f.suppressed is None}
            sources = {path: masked_lines(body) for path, body in source_texts(sources_root, paths).items()}
        text.render(findings, console, baseline_fixed=baseline_fixed, sources=sources)
        return
    for f in findings:
        if f.suppressed is None:
            console.print(
                f"{f.location.path}:{f.location.line}:{f.location.column} {f.rule} {f.name} {f.message}", markup=False
            )


def _git_prefix(root: Path) -> str:
    """The lint root's path inside its git work tree ("" at the top), for CI annotations."""
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            rel = root.relative_to(candidate).as_posix()
            return "" if rel == "." else rel + "/"
    return ""


@dataclass(frozen=True)
class _Outputs:
    """Everything the machine formats, the job summary and a review are made from."""

    prepared: _Run
    report: Report
    findings: list[Finding]
    baseline_fixed: int | None

    @property
    def prefix(self) -> str:
        return _git_prefix(self.prepared.root)

    @cached_property
    def docs(self) -> dict[str, str]:
        from .catalog.docs import docs_url

        return {rule.id: url for rule in self.prepared.setup.rules if (url := docs_url(rule))}

    @cached_property
    def group_of(self) -> Callable[[Finding], Group]:
        """The Application each finding is about (the summary and a review both group by it)."""
        from .report.grouping import grouper

        return grouper(self.report.model)

    def links(self) -> markdown.Links | None:
        from .report import markdown

        run = actions_run(os.environ)
        if run is None or not (run.server and run.repository and run.sha):
            return None
        return markdown.Links(run.server, run.repository, run.sha, run.platform, self.prefix)

    def render(self, fmt: str) -> str:
        from .report import github, json_report, markdown, sarif

        if fmt == "json":
            return json_report.render(self.findings, self.baseline_fixed)
        if fmt == "sarif":
            return sarif.render(self.findings, self.prepared.setup.rules, self.prefix)
        if fmt == "github":
            return github.render(self.findings, self.prefix)
        if fmt == "markdown":
            return markdown.render(self.findings, self.group_of, self.docs, self.links(), self.baseline_fixed)
        raise LintError(f"--output needs a machine format (json, sarif, github, markdown), not `{fmt}`")


def _write(path: str, flag: str, content: str, append: bool = False) -> None:
    try:
        with open(path, "a" if append else "w", encoding="utf-8") as out:
            out.write(content)
    except OSError as exc:
        raise LintError(f"{flag} {path}: cannot write it ({exc.strerror or exc})") from None


@dataclass(frozen=True)
class _PullRequestFlags:
    server: str | None
    repository: str | None
    number: int | None


def _post_review(
    outputs: _Outputs, flags: _PullRequestFlags, failing: Callable[[Finding], bool], required: bool
) -> None:
    """--gitea-review: post the review; a failure is one line on stderr (exit 2 if required)."""
    from .publish import gitea

    run = actions_run(os.environ)
    server = flags.server or (run.server if run else None) or os.environ.get("GITHUB_SERVER_URL")
    repository = flags.repository or (run.repository if run else None) or os.environ.get("GITHUB_REPOSITORY")
    number = flags.number or (run.pull_request if run else None)
    token = os.environ.get("GITEA_TOKEN") or os.environ.get("GITHUB_TOKEN")
    missing = [
        what
        for what, value in (
            ("a server (--gitea-url or GITHUB_SERVER_URL)", server),
            ("a repository (--gitea-repo or GITHUB_REPOSITORY)", repository),
            ("a pull request (--gitea-pr, or a pull_request event)", number),
            ("a token (GITEA_TOKEN or GITHUB_TOKEN)", token),
        )
        if not value
    ]
    try:
        if missing:
            raise gitea.ReviewError("it needs " + ", ".join(missing))
        assert server and repository and number and token
        if "/" not in repository.strip("/"):
            raise gitea.ReviewError(f"--gitea-repo `{printable(repository)}` is not owner/name")
        client = gitea.Client(gitea.PullRequest(server, repository.strip("/"), number, run.sha if run else None), token)
        review = gitea.plan(
            outputs.findings,
            gitea.changed_lines(client.diff()),
            outputs.prefix,
            failing,
            outputs.docs,
            outputs.group_of,
            outputs.links(),
        )
        click.echo(printable(f"m0sh1-lint: {gitea.publish(client, review)}"), err=True)
    except gitea.ReviewError as exc:
        if required:
            raise LintError(f"gitea review: {exc}") from None
        click.echo(printable(f"m0sh1-lint: warning: gitea review not posted: {exc}"), err=True)


def _fix_rounds(prepared: _Run, options: Options, findings: list[Finding]) -> list[FileEdit]:
    """Every edit `--fix` makes, planned in memory: a fix can cause another (a renamed class
    changes a chart, which then needs a version bump), so the planned texts are linted again,
    as an overlay on the files, until nothing is left to fix. Nothing is written here."""
    from dataclasses import replace

    from .post import fix as fixer

    overlay: dict[str, str] = {}
    originals: dict[str, str] = {}
    for _ in range(3):
        planned = {e.path: e for e in _plan_fixes(prepared, findings, overlay) if e.before != e.after}
        if not planned:
            break
        for path, edit in planned.items():
            originals.setdefault(path, edit.before)
            overlay[path] = edit.after
        findings = list(_lint(prepared, replace(options, overlay=dict(overlay)), 0).findings)
    return [fixer.FileEdit(p, originals[p], overlay[p], (), ()) for p in sorted(overlay) if originals[p] != overlay[p]]


def _plan_fixes(prepared: _Run, findings: list[Finding], overlay: dict[str, str] | None = None) -> list[FileEdit]:
    """Edits for the findings' fixes; those outside the given paths are reported, not applied."""
    from .pipeline import in_scope
    from .post import fix as fixer

    fixes = fixer.fixes_of(findings)
    for fix in fixes:
        if not in_scope(fix.path, prepared.scope):
            text = f"m0sh1-lint: not fixed (outside the paths given): {fix.path}:{fix.line} `{fix.old}` -> `{fix.new}`"
            click.echo(printable(text), err=True)
    edits = fixer.plan(prepared.root, [f for f in fixes if in_scope(f.path, prepared.scope)], overlay)
    for edit in edits:
        for fix, why in edit.skipped:
            click.echo(printable(f"m0sh1-lint: not fixed: {fix.path}:{fix.line}: {why}"), err=True)
    return edits


def _lint(prepared: _Run, options: Options, verbose: int) -> Report:
    """Run the pipeline; with -v, say what was loaded and how long it took."""
    from .pipeline import lint

    report = lint(prepared.root, options, prepared.setup)
    if verbose:
        _explain(report)
    return report


def _note_nothing_deployed(report: Report) -> None:
    from .report.notes import nothing_deployed

    note = nothing_deployed(report.model)
    if note is not None:
        click.echo(printable(note), err=True)


def _explain(report: Report) -> None:
    from .report.apps_table import summary

    model, setup = report.model, report.setup
    click.echo(printable(f"root: {model.root}"), err=True)
    click.echo(printable(f"config: {setup.config.source or '(defaults)'}"), err=True)
    click.echo(printable(summary(model)), err=True)
    unavailable = sum(1 for f in report.findings if f.rule == "LD010")
    if unavailable:
        click.echo(
            f"charts: {unavailable} could not be had (LD010), so their objects are missing and only their values "
            "are checked",
            err=True,
        )
    rendered = sum(1 for r in model.resources if r.render is not None)
    click.echo(
        f"objects: {len(model.resources)} ({rendered} rendered by Helm), {len(model.charts)} charts, "
        f"{len(setup.rules)} rules",
        err=True,
    )
    click.echo(f"time: load {report.timings['load']:.3f}s, checks {report.timings['checks']:.3f}s", err=True)
    if any(rule.family == "KV" for rule in setup.rules):
        skipped = report.unvalidated_kinds()
        if skipped:
            listed = ", ".join(f"{kind} ({count})" for kind, count in skipped.items())
            click.echo(
                f"schema validation skipped {sum(skipped.values())} objects of kinds without a schema: {listed}",
                err=True,
            )
    history = report.history
    if history is not None and history.state is not None:
        click.echo(
            f"chart versions compared with {history.state.described}; "
            f"{count(len(history.state.changed), 'file')} changed",
            err=True,
        )
    elif history is not None and not history.error:
        click.echo("chart versions not compared: not a git repository", err=True)


@cli.group("inventory")
def inventory_group() -> None:
    """Show what the repository will put in the cluster."""


@inventory_group.command("secrets")
@click.argument("paths", nargs=-1, type=click.Path())
@ROOT_OPTION
@CONFIG_OPTION
@click.option("--namespace", help="Only this namespace.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--offline", is_flag=True, help="Never fetch charts: use what the chart cache has.")
@click.option("--no-color", is_flag=True, help="Plain text even on a terminal.")
def inventory_secrets(
    paths: tuple[str, ...],
    root: str | None,
    config_path: str | None,
    namespace: str | None,
    output_format: str,
    offline: bool,
    no_color: bool,
) -> None:
    """Every Secret the repo produces or references: producer, keys, referrers, status."""
    from .pipeline import Options, load
    from .report import secrets_table

    prepared = _prepare(paths, root, config_path, (), ())
    _, _, views = load(prepared.setup, Options(offline=offline, progress=_download_display()))
    table = secrets_table.rows(views, namespace)
    if output_format == "json":
        click.echo(secrets_table.render_json(table), nl=False)
    else:
        secrets_table.render_text(table, sys.stdout, False if no_color else None)


@inventory_group.command("apps")
@click.argument("paths", nargs=-1, type=click.Path())
@ROOT_OPTION
@CONFIG_OPTION
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--offline", is_flag=True, help="Never fetch charts: use what the chart cache has.")
@click.option("--no-color", is_flag=True, help="Plain text even on a terminal.")
def inventory_apps(
    paths: tuple[str, ...], root: str | None, config_path: str | None, output_format: str, offline: bool, no_color: bool
) -> None:
    """The Argo CD application graph: every Application, whether Argo CD syncs it and why, and
    what each source deploys. PATHS keep only the Applications defined under them."""
    from .loaders.repo import load_repo
    from .pipeline import Options, chart_fetcher
    from .report import apps_table

    prepared = _prepare(paths, root, config_path, (), ())
    fetcher = chart_fetcher(prepared.setup, Options(offline=offline, progress=_download_display()))
    try:
        model = load_repo(prepared.root, prepared.setup.config, fetcher)
    finally:
        fetcher.close()
    apps = apps_table.selected(model, prepared.scope)
    if output_format == "json":
        click.echo(apps_table.render_json(model, apps), nl=False)
    else:
        apps_table.render_text(model, apps, sys.stdout, False if no_color else None)


@cli.group("charts")
def charts_group() -> None:
    """Charts the repository needs from Helm repositories and OCI registries."""


@charts_group.command("pull")
@click.argument("paths", nargs=-1, type=click.Path())
@ROOT_OPTION
@CONFIG_OPTION
def charts_pull(paths: tuple[str, ...], root: str | None, config_path: str | None) -> None:
    """Fetch every chart the repository needs into the chart cache (what a CI job caches), and
    say what could not be had. Exit 1 when a chart is missing."""
    from .loaders.fetch.fetcher import Fetched

    results, cache_dir = _chart_results(paths, root, config_path, offline=False)
    missing = 0
    for source, wanted, result in results:
        if isinstance(result, Fetched):
            click.echo(printable(f"ok       {source.describe()} {result.version}"))
        else:
            missing += 1
            click.echo(printable(f"missing  {source.describe()} {wanted}: {result.reason}"))
    click.echo(printable(f"{count(len(results) - missing, 'chart')} in {cache_dir}, {missing} missing"), err=True)
    raise SystemExit(EXIT_FINDINGS if missing else EXIT_OK)


@charts_group.command("list")
@click.argument("paths", nargs=-1, type=click.Path())
@ROOT_OPTION
@CONFIG_OPTION
def charts_list(paths: tuple[str, ...], root: str | None, config_path: str | None) -> None:
    """Print the charts the repository asks for (source and version as written), one per line,
    sorted, without touching the network: hash it for a CI cache key."""
    results, _ = _chart_results(paths, root, config_path, offline=True)
    for line in sorted({f"{source.describe()} {wanted}" for source, wanted, _ in results}):
        click.echo(printable(line))


def _chart_results(
    paths: tuple[str, ...], root: str | None, config_path: str | None, offline: bool
) -> tuple[list[tuple[ChartSource, str, Result]], Path]:
    """Load the repository with chart fetching on (or offline): every chart asked for, and the cache."""
    from .loaders.repo import load_repo
    from .pipeline import Options, chart_fetcher

    prepared = _prepare(paths, root, config_path, (), ())
    options = Options(offline=offline, progress=None if offline else _download_display())
    fetcher = chart_fetcher(prepared.setup, options)
    fetcher.listing_ttl_s = fetcher.down_ttl_s = 0.0  # pull asks every repository again
    try:
        load_repo(prepared.root, prepared.setup.config, fetcher)
        return list(fetcher.results()), fetcher.cache.root
    finally:
        fetcher.close()


@cli.group("cache")
def cache_group() -> None:
    """The chart cache shared by every repository and run."""


@cache_group.command("dir")
@click.option("--root", type=click.Path(), help="Repository root (its config may move the cache into it).")
def cache_dir(root: str | None) -> None:
    """Print the chart cache directory (for CI cache steps)."""
    click.echo(printable(str(_cache(root).root)))


@cache_group.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Remove charts and renders not used for this many days.",
)
@click.option("--root", type=click.Path(), help="Repository root (its config may move the cache into it).")
def cache_prune(days: float, root: str | None) -> None:
    """Remove what the cache has not used for a while."""
    cache = _cache(root)
    removed, freed = cache.prune(days)
    click.echo(printable(f"removed {count(removed, 'file')}, {freed / 1e6:.1f} MB, from {cache.root}"))


def _cache(root: str | None) -> ChartCache:
    from .loaders.files import find_root
    from .pipeline import chart_cache, prepare

    repo_root = Path(root).resolve() if root else find_root(Path.cwd())
    return chart_cache(repo_root, prepare(repo_root).config.charts.cache_dir)


def _download_display() -> Progress | None:
    """A transient line on a terminal while charts download; nothing when stderr is no terminal."""
    if not sys.stderr.isatty():
        return None
    return _Downloads().report


class _Downloads:
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress as RichProgress
        from rich.progress import SpinnerColumn, TextColumn

        self.display = RichProgress(
            SpinnerColumn(), TextColumn("{task.description}"), console=Console(stderr=True), transient=True
        )
        self.task = self.display.add_task("fetching charts", start=False)
        self.active = self.done = 0
        self.lock = threading.Lock()

    def report(self, event: str, source: ChartSource) -> None:
        with self.lock:
            if self.active == 0 and event == "start":
                self.display.start()
            self.active += 1 if event == "start" else -1
            self.done += 1 if event == "done" else 0
            text = f"fetching charts: {self.done} done, {self.active} downloading ({source.name})"
            self.display.update(self.task, description=text)
            if self.active == 0:
                self.display.stop()


@cli.command("rules")
def rules_command() -> None:
    """List every rule: id, name, severity and summary."""
    from .catalog.load import load_rules

    for rule in load_rules():
        click.echo(f"{rule.id}  {rule.name:<40} {rule.severity.value:<8} {rule.summary}")


@cli.command("rule")
@click.argument("rule_id")
def rule_command(rule_id: str) -> None:
    """Print one rule's documentation (by id or name)."""
    from .catalog.docs import rule_markdown
    from .catalog.load import load_rules
    from .core.suggest import closest

    rules = load_rules()
    wanted = rule_id.strip()
    for rule in rules:
        if wanted.upper() == rule.id or wanted == rule.name or wanted in rule.aliases:
            click.echo(rule_markdown(rule), nl=False)
            return
    close = closest(wanted, [r.id for r in rules] + [r.name for r in rules])
    raise LintError(f"unknown rule `{rule_id}`" + (f" (did you mean `{close}`?)" if close else ""))


@cli.command("docs")
@click.option("--out", type=click.Path(), default="docs/rules", show_default=True, help="Directory for the rule pages.")
@click.option(
    "--templates",
    "templates_file",
    type=click.Path(),
    default="docs/templates.md",
    show_default=True,
    help="File for the templates page.",
)
def docs_command(out: str, templates_file: str) -> None:
    """Write docs/rules/*.md from rule metadata and docs/templates.md from the check templates
    (for the linter's own repository: the paths are relative to the current directory)."""
    from .catalog.docs import write_docs, write_templates
    from .catalog.load import load_rules

    for path in write_docs(list(load_rules()), Path(out)):
        click.echo(str(path))
    click.echo(str(write_templates(Path(templates_file))))


@cli.command("templates")
def templates_command() -> None:
    """List the generic check templates and their parameters (the same text as docs/templates.md)."""
    from .catalog.docs import templates_markdown

    click.echo(templates_markdown(), nl=False)


# A run allocates a few million small objects that live until it ends (parsed YAML, positions)
# and makes almost no reference cycles: with the default thresholds the collector rescans them
# again and again (a quarter of the run time on 3,000 charts), with these it seldom runs.
GC_THRESHOLDS = (50_000, 50, 100)


def _command_of(error: click.UsageError) -> str:
    """The (sub)command whose options were misused, e.g. `m0sh1-lint lint`: its --help lists them."""
    return error.ctx.command_path if error.ctx is not None else "m0sh1-lint"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the exit code instead of raising, so tests can call it directly."""
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="m0sh1-lint", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.exceptions.Abort:
        return EXIT_ERROR
    except click.ClickException as exc:  # one line, like every other error
        usage = f" ({_command_of(exc)} --help for usage)" if isinstance(exc, click.UsageError) else ""
        click.echo(f"m0sh1-lint: error: {printable(exc.format_message())}{usage}", err=True)
        return EXIT_ERROR
    except LintError as exc:
        click.echo(f"m0sh1-lint: error: {printable(str(exc))}", err=True)
        return EXIT_ERROR
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("M0SH1_LINT_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"m0sh1-lint: internal error: {type(exc).__name__}: {printable(str(exc))} "
            "(set M0SH1_LINT_DEBUG=1 for a traceback)",
            err=True,
        )
        return EXIT_ERROR
    return EXIT_OK


def run() -> None:
    """The console script: `main`, then an exit that does not free the heap object by object. A
    run ends holding millions of small objects (parsed YAML, positions); freeing them took a
    tenth of a warm run, for nothing. Exit handlers (the Helm worker's cleanup) run first, and
    the output is flushed."""
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
