"""The library API: `lint(root, options) -> Report`. The one place the stages are wired:

    config + catalog ─► loaders (repo model, git) ─► inventory ─► views ─► checks ─► post ─► Report

The CLI, the tests and the benchmarks call this; exit codes and output formats are the CLI's.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from .catalog.load import load_catalog
from .catalog.select import select_rules
from .checks.runner import run_rules
from .checks.schema import unvalidated_kinds
from .core.errors import LintError
from .core.reading import resolved_inside
from .inventory import build_inventory
from .loaders.config import find_config, load_config
from .loaders.fetch.cache import ENV_CACHE, ChartCache, cache_root
from .loaders.fetch.credentials import helm_repository_names, load_credentials
from .loaders.fetch.fetcher import Fetcher, Progress
from .loaders.git import GitError, is_repo, load_history, load_state, tracked_under, with_overlay
from .loaders.helm import engine as helm_engine
from .loaders.repo import load_repo
from .model import Catalog, Config, Finding, History, Location, Problem, RepoModel, Rule
from .post.changed import keep_changed
from .post.clusters import with_clusters
from .post.suppress import suppress
from .report.escape import printable
from .views import Views

ENV_OFFLINE = "M0SH1_LINT_OFFLINE"


@dataclass(frozen=True)
class Setup:
    """What a run needs besides the repo's content: where it is, its config, the rules."""

    root: Path
    config: Config
    catalog: Catalog
    rules: tuple[Rule, ...]  # the selected rules, with severity overrides applied
    config_trusted: bool = False  # the config came from the command line, not from the repository


@dataclass(frozen=True)
class Options:
    scope: tuple[str, ...] = ()  # repo-relative paths findings are limited to (all when empty)
    base_ref: str | None = None  # compare chart versions with the merge base of this ref
    staged: bool = False  # compare the index with HEAD (pre-commit)
    changed_only: bool = False  # keep only findings the changed files can have caused
    today: date | None = None  # for expiring config ignores (default: today)
    offline: bool = False  # never fetch charts: use what the chart cache has
    fetch_charts: bool = True  # False: render only what is committed (no cache, no network)
    progress: Progress | None = field(default=None, compare=False)  # chart downloads, for a display
    # repo-relative path → planned text: `--fix` lints its own edits before writing any
    overlay: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Report:
    setup: Setup
    findings: tuple[Finding, ...]
    model: RepoModel
    views: Views
    history: History | None
    timings: dict[str, float] = field(default_factory=dict)

    def unvalidated_kinds(self) -> dict[str, int]:
        """ "apiVersion Kind" → objects no schema covers (for `-v`)."""
        return unvalidated_kinds(self.views)


def prepare(
    root: Path, config_file: Path | None = None, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()
) -> Setup:
    """Read the config (`.m0sh1-lint.yaml` at the root unless given) and the rule catalog."""
    path = config_file or find_config(root)
    if config_file is None and path is not None and resolved_inside(path, root) is None:
        # the repository's own config is untrusted input: it may not pull in a file from elsewhere
        raise LintError(f"{path.name}: the repository's config is a symbolic link out of the repository")
    config = load_config(path, _shown(path, root) if path is not None else None)
    # the bundled rules' memo is the user's: the same for every repository, never a config's cacheDir
    memo_dir = cache_root(root, None) / "catalog"
    catalog = load_catalog(config.rule_dirs, confine=None if config_file is not None else root, memo_dir=memo_dir)
    rules = tuple(select_rules(catalog.rules, config, select, ignore))
    return Setup(root, config, catalog, rules, config_trusted=config_file is not None)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def in_scope(path: str, scope: tuple[str, ...]) -> bool:
    return not scope or any(path == s or path.startswith(s.rstrip("/") + "/") for s in scope)


def chart_cache(root: Path, configured: str | None) -> ChartCache:
    """The chart cache: M0SH1_LINT_CACHE_DIR, else the config's `charts.cacheDir`, which must be
    a directory inside the repository (not the repository itself) that git tracks nothing in:
    a pull request could otherwise commit cache entries (which archive a version is, what a
    chart renders to) and choose what the linter sees, or point `cache prune` at its files."""
    if configured and not os.environ.get(ENV_CACHE):
        where = f"charts.cacheDir `{printable(configured)}`"
        if any(not c.isprintable() for c in configured):
            raise LintError(f"{where}: control characters are not allowed")
        resolved = resolved_inside(root / configured, root)
        if resolved is None or resolved == root.resolve():
            raise LintError(f"{where}: it must be a directory inside the repository, not the repository itself")
        if tracked_under(root, resolved.relative_to(root.resolve()).as_posix()):
            raise LintError(f"{where} holds files committed to git; the chart cache must not be")
    return ChartCache(cache_root(root, configured))


def chart_fetcher(setup: Setup, options: Options, cache: ChartCache | None = None) -> Fetcher:
    """The fetcher for charts that are not committed: the shared cache, the user's credentials;
    offline when asked (`--offline`, or M0SH1_LINT_OFFLINE=1 in the environment)."""
    offline = options.offline or os.environ.get(ENV_OFFLINE, "") not in ("", "0")
    return Fetcher(
        cache or chart_cache(setup.root, setup.config.charts.cache_dir),
        load_credentials(),
        offline=offline,
        progress=options.progress,
        # a mirror without TLS (plainHttp, insecureSkipTLSVerify) from the repository's own config
        # gets no credentials: a pull request could otherwise send them in clear
        credentials_without_tls=setup.config_trusted,
        mirrors=setup.config.charts.mirrors,
        repository_names=helm_repository_names(),
    )


def load(
    setup: Setup, options: Options = Options(), cache: ChartCache | None = None
) -> tuple[RepoModel, History | None, Views]:
    """The repo model, its git history (when CH rules run) and the views over its inventory."""
    if options.base_ref and not is_repo(setup.root):
        raise LintError(f"--base {options.base_ref}: {setup.root} is not inside a git work tree")
    fetcher = chart_fetcher(setup, options, cache) if options.fetch_charts else None
    helm_engine.start_run()  # the time renders that must be stopped may take is this run's
    try:
        model = load_repo(setup.root, setup.config, fetcher, options.overlay)
    finally:
        if fetcher is not None:
            fetcher.close()
    history = None
    if any(rule.family == "CH" for rule in setup.rules):
        external = sorted({p for app in model.applications for s in app.helm for p in s.value_files})
        history = load_history(
            setup.root, [c.dir for c in model.charts], external, options.base_ref, options.staged, options.overlay
        )
        if history.error:
            if options.base_ref:
                raise LintError(history.error)
            model = replace(
                model, problems=(*model.problems, Problem("LD009", Location("."), {"reason": history.error}))
            )
    focus: frozenset[str] | None = None
    if options.changed_only:
        try:
            state = (
                history.state
                if history is not None and history.state is not None
                else with_overlay(load_state(setup.root, options.base_ref, options.staged), options.overlay)
            )
        except GitError as exc:
            raise LintError(f"--changed needs git: {exc}") from None
        focus = None if _anything_may_have_changed(setup, state.changed) else frozenset(state.changed)
    inventory = build_inventory(
        model, setup.config, setup.catalog.producers, history, focus, embedded=setup.catalog.embedded
    )
    return model, history, Views(inventory, setup.catalog.references, store=cache)


def _anything_may_have_changed(setup: Setup, changed: Iterable[str]) -> bool:
    """`--changed` reports the whole repository when the config or a rule file changed, or a
    file was deleted (or renamed): any finding anywhere may have changed, and what a deleted
    file made (a StorageClass, a SealedSecret) relates no finding to it any more."""
    root = setup.root.resolve()
    inputs = [setup.config.source or "", *(_shown(d, root) for d in setup.config.rule_dirs)]
    for path in changed:
        if path in inputs or any(path.startswith(d.rstrip("/") + "/") for d in inputs[1:]):
            return True
        if not (root / path).exists() and not (root / path).is_symlink():
            return True
    return False


def lint(root: Path, options: Options = Options(), setup: Setup | None = None) -> Report:
    """Lint the repository at `root`; findings limited to `options.scope` (and, with
    `changed_only`, to what the changed files can have caused)."""
    setup = setup or prepare(root)
    started = time.perf_counter()
    cache = chart_cache(setup.root, setup.config.charts.cache_dir) if options.fetch_charts else None
    with cache.recent(setup.root) if cache is not None else contextlib.nullcontext():
        model, history, views = load(setup, options, cache)
        loaded = time.perf_counter()
        findings = with_clusters(run_rules(views, setup.rules), model)
    findings = suppress(findings, model, setup.config, setup.rules, options.today or date.today())
    findings = [f for f in findings if in_scope(f.location.path, options.scope)]
    if views.inventory.focus is not None:
        findings = keep_changed(findings, set(views.inventory.focus), views.inventory)
    timings = {"load": loaded - started, "checks": time.perf_counter() - loaded}
    return Report(setup, tuple(findings), model, views, history, timings)
