"""Measure m0sh1-lint's precision on a corpus of real public Argo CD GitOps repositories.

For each repository in benchmarks/corpus/repos.yaml the pinned commit is materialised as a real
git checkout OUTSIDE this project (default ~/.cache/m0sh1-lint-corpus/<name>), cloned from the
local mirror that the `fetch` tool made (default /work/.mirror/<owner>+<name>/repo), with its
`origin` remote set to https://github.com/<owner>/<name>.git so Argo CD `repoURL`s pointing at the
repository can be recognised. The linter then runs on it as a subprocess:

    m0sh1-lint --format json --root DIR DIR [repo args] [--extra-args]

Every finding is matched against benchmarks/corpus/triage.yaml (verdicts tp / fp / debatable /
artifact) and
a table is printed: findings, tp, fp, debatable, untriaged, precision = tp / (tp + fp), exit code,
seconds, and a crash mark (exit code not 0/1, a timeout, or an LN004 finding). Then the totals,
every untriaged finding and every stale triage entry (one that matched nothing in this run).

Run (from the repository root, with the venv the linter is installed in):

    .venv/bin/python benchmarks/corpus/run.py                         # every repo
    .venv/bin/python benchmarks/corpus/run.py --repo khuedoan-homelab --repo vehagn-homelab
    .venv/bin/python benchmarks/corpus/run.py --no-checkout --json /tmp/corpus.json
    .venv/bin/python benchmarks/corpus/run.py --untriaged-yaml /tmp/todo.yaml   # triage skeletons
    .venv/bin/python benchmarks/corpus/run.py --extra-args="--select SS,SC"

Options: --repo NAME (repeatable)  --workdir DIR (parent of the checkouts)  --mirrors DIR (where
the fetched mirrors live; also $M0SH1_CORPUS_MIRRORS)  --no-checkout (use the existing checkouts
as they are)  --cmd "CMD" (linter command; default: m0sh1-lint next to sys.executable, else on PATH)
--extra-args "ARGS"  --timeout S (default 300)  --json FILE  --untriaged-yaml FILE
--mode offline|mirror (which triage entries apply; see below)
--repos FILE / --triage FILE (default: the files beside this script).

A repo with `modes: [offline]` in repos.yaml is left out of mirror runs (the chart mirror does
not cover its charts yet).

Modes: the corpus is run two ways, and a triage entry with `mode: offline` or `mode: mirror` is
only used (and only reported stale) in runs of that mode; an entry without `mode` counts in both.
`offline` (the default): --extra-args="--offline" with an empty chart cache, so every remote
chart is LD010 and its wrapper's values are checked instead. `mirror`: the chart repositories the
corpus names, copied to a local HTTP chart repository, passed as charts.mirrors in a config file
(--extra-args="--config FILE"), so what the copy holds renders as Argo CD would render it.

Message normalisation (how a triage entry survives line-number shifts): a finding matches an entry
when repo, rule and file are equal and the normalised messages are equal (or `message_re`, a Python
regex, re.search-es the normalised message; `file_re` likewise re.fullmatch-es the file). The
normaliser (normalise_message) replaces, in this order:
  1. every run of position suffixes `:<digits>` (`:42`, `:42:19`) right after a non-blank
     character and not followed by a letter, digit or dot, with `:#` (so `values.yaml:14:5`
     becomes `values.yaml:#`, while `image:1.2.3` stays as it is);
  2. a number after the words line/lines/column/col/L (`line 12`, `lines 3-4`, `column 7`) with `#`
     (ranges `3-4` and lists `3, 4` become one `#`);
  3. every run of whitespace with one space, and strips both ends.
Nothing else (names, counts, values) is normalised, so a changed message is a new finding.

Exit status: 0 normally; 1 when some finding is untriaged or some repo crashed (usable as a gate);
2 on a usage or setup error (bad repos/triage file, missing mirror, failed checkout).

This script needs the fetched mirrors, so it is never run by the test suite. Nothing it fetches or
checks out is ever written inside this project. Stdlib only; Python 3.10+.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_REPOS = HERE / "repos.yaml"
DEFAULT_TRIAGE = HERE / "triage.yaml"
DEFAULT_WORKDIR = Path("~/.cache/m0sh1-lint-corpus").expanduser()
DEFAULT_MIRRORS = Path(os.environ.get("M0SH1_CORPUS_MIRRORS", "/work/.mirror"))
DEFAULT_TIMEOUT_S = 300.0
MARKER = "m0sh1-lint-corpus.json"  # inside the checkout's .git directory: what we made it from
VERDICTS = ("tp", "fp", "debatable", "artifact")
# How remote charts are had: `offline` (--offline, empty chart cache: LD010 for each) or `mirror`
# (a local copy of the chart repositories, given with --extra-args="--config FILE").
MODES = ("offline", "mirror")
GIT = ["git", "-c", "core.autocrlf=false", "-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false"]


class SetupError(Exception):
    """A problem with the corpus files, a mirror or a checkout (exit 2)."""


# --------------------------------------------------------------------------------------------
# A small YAML subset, so the script stays stdlib-only.
#
# Accepted: comments (`#` at the start of a line or after a blank), a top-level mapping whose
# values are block lists of flat mappings (`key: value`), or a top-level block list of them;
# scalars plain, 'single-quoted' or "double-quoted" (JSON escapes); flow lists `[a, "b c"]`;
# `[]`, `null`/`~`, true/false and integers. That is all repos.yaml and triage.yaml use, and the
# writer below emits only that (always double-quoting strings), so every file it reads or writes
# is also ordinary YAML.
# --------------------------------------------------------------------------------------------

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):(?:\s+(.*))?$")


def _strip_comment(text: str) -> str:
    """Drop a trailing comment outside quotes."""
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
        i += 1
    return text.rstrip()


def _scalar(text: str, where: str) -> Any:
    text = text.strip()
    if text.startswith('"'):
        try:
            value, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as exc:
            raise SetupError(f"{where}: bad double-quoted string ({exc.msg})") from None
        if text[end:].strip():
            raise SetupError(f"{where}: text after a quoted string")
        return value
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'"):
            raise SetupError(f"{where}: unterminated single-quoted string")
        body = text[1:-1]
        if re.search(r"(?<!')'(?!')", body.replace("''", "")):
            raise SetupError(f"{where}: stray quote in a single-quoted string")
        return body.replace("''", "'")
    if text.startswith("["):
        if not text.endswith("]"):
            raise SetupError(f"{where}: unterminated flow list")
        return [_scalar(part, where) for part in _split_flow(text[1:-1], where)]
    if text in ("", "null", "~"):
        return None
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if text[0] in "{&*!|>%@`":
        raise SetupError(f"{where}: unsupported YAML syntax `{text[:20]}` (quote the value)")
    return text


def _split_flow(body: str, where: str) -> list[str]:
    parts: list[str] = []
    quote: str | None = None
    start = 0
    i = 0
    while i < len(body):
        ch = body[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[]{}":
            raise SetupError(f"{where}: nested flow collections are not supported")
        elif ch == ",":
            parts.append(body[start:i])
            start = i + 1
        i += 1
    if quote:
        raise SetupError(f"{where}: unterminated quote in a flow list")
    parts.append(body[start:])
    parts = [part.strip() for part in parts]
    if parts and not parts[-1]:
        parts.pop()  # `[]` and a trailing comma
    if any(not part for part in parts):
        raise SetupError(f"{where}: empty item in a flow list")
    return parts


def load_yaml_subset(path: Path) -> Any:
    """Parse `path` (the subset described above) into lists, dicts and scalars."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SetupError(f"cannot read {path}: {exc.strerror}") from None
    top: dict[str, Any] | list[Any] | None = None
    current_list: list[Any] | None = None
    item: dict[str, Any] | None = None
    item_indent = -1
    for number, raw in enumerate(lines, 1):
        where = f"{path.name}:{number}"
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise SetupError(f"{where}: tab in indentation")
        text = _strip_comment(raw)
        if not text.strip() or text.strip() == "---":
            continue
        indent = len(text) - len(text.lstrip(" "))
        body = text.strip()
        if body.startswith("- ") or body == "-":
            if top is None and indent == 0:
                top = current_list = []
            if current_list is None:
                raise SetupError(f"{where}: list item outside a list")
            item = {}
            current_list.append(item)
            item_indent = indent + 2
            body = body[2:].strip()
            if not body:
                continue
            indent = item_indent
        match = _KEY.match(body)
        if not match:
            raise SetupError(f"{where}: expected `key: value`")
        key, value = match.group(1), match.group(2)
        if indent == 0 and not isinstance(top, list):
            if top is None:
                top = {}
            if key in top:
                raise SetupError(f"{where}: duplicate key `{key}`")
            if value is None or not value.strip():
                current_list = top[key] = []
                item = None
            else:
                top[key] = _scalar(value, where)
                current_list = None
            continue
        if item is None or indent != item_indent:
            raise SetupError(f"{where}: unexpected indentation (items are flat mappings)")
        if key in item:
            raise SetupError(f"{where}: duplicate key `{key}`")
        item[key] = _scalar(value or "", where)
    return top


def _yaml_str(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_str(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def dump_entries(key: str, entries: Sequence[dict[str, Any]], header: str = "") -> str:
    """Render `{key: [entries]}` in the subset (the inverse of load_yaml_subset)."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    out.append(f"{key}:" if entries else f"{key}: []")
    for entry in entries:
        first = True
        for k, v in entry.items():
            out.append(("  - " if first else "    ") + f"{k}: {_yaml_str(v)}")
            first = False
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Corpus and triage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repo:
    name: str
    repo: str  # owner/name
    commit: str
    layout: str
    args: tuple[str, ...] = ()
    modes: tuple[str, ...] = MODES  # the runs it is part of (a repo the chart mirror does not cover: offline)

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}.git"


@dataclass
class Entry:
    repo: str
    rule: str
    verdict: str
    reason: str
    file: str | None = None
    file_re: re.Pattern[str] | None = None
    message: str | None = None  # normalised
    message_re: re.Pattern[str] | None = None
    mode: str | None = None  # only in runs of this --mode (None: every run)
    index: int = 0
    hits: int = 0

    @property
    def exact(self) -> bool:
        return self.message is not None and self.file is not None

    def matches(self, repo: str, finding: dict[str, Any], normalised: str) -> bool:
        if repo != self.repo or finding["rule"] != self.rule:
            return False
        if self.file is not None and finding["file"] != self.file:
            return False
        if self.file_re is not None and not self.file_re.fullmatch(finding["file"]):
            return False
        if self.message is not None:
            return normalised == self.message
        assert self.message_re is not None
        return self.message_re.search(normalised) is not None

    def describe(self) -> str:
        file = self.file if self.file is not None else f"/{self.file_re.pattern if self.file_re else ''}/"
        message = (
            self.message if self.message is not None else f"/{self.message_re.pattern if self.message_re else ''}/"
        )
        return f"{self.repo} {self.rule} {file} {message[:110]}"


_POS = re.compile(r"(?<=\S)(?::\d+)+(?![\w.])")
_LINE_WORD = re.compile(r"\b(lines?|columns?|col|L)\s*(\d+(?:\s*(?:-|,|and|to)\s*\d+)*)\b")
_SPACE = re.compile(r"\s+")


def normalise_message(message: str) -> str:
    """The message with positions replaced by `#` (see the module docstring)."""
    message = _POS.sub(":#", message)
    message = _LINE_WORD.sub(lambda m: f"{m.group(1)} #", message)
    return _SPACE.sub(" ", message).strip()


def load_repos(path: Path) -> list[Repo]:
    data = load_yaml_subset(path)
    items = data.get("repos") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise SetupError(f"{path}: expected a `repos:` list")
    repos: list[Repo] = []
    seen: set[str] = set()
    for number, raw in enumerate(items, 1):
        where = f"{path.name}: repo #{number}"
        missing = [k for k in ("name", "repo", "commit", "layout") if not isinstance(raw.get(k), str) or not raw[k]]
        if missing:
            raise SetupError(f"{where}: missing {', '.join(missing)}")
        unknown = set(raw) - {"name", "repo", "commit", "layout", "args", "modes"}
        if unknown:
            raise SetupError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if not re.fullmatch(r"[0-9a-f]{40}", raw["commit"]):
            raise SetupError(f"{where}: commit must be a full 40-hex commit id")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*", raw["repo"]):
            raise SetupError(f"{where}: repo must be owner/name")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", raw["name"]) or raw["name"] in seen:
            raise SetupError(f"{where}: name must be a unique short id")
        args = raw.get("args") or []
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise SetupError(f"{where}: args must be a list of strings")
        modes = raw.get("modes") or list(MODES)
        if not isinstance(modes, list) or not modes or not all(m in MODES for m in modes):
            raise SetupError(f"{where}: modes must be a list of {', '.join(MODES)}")
        seen.add(raw["name"])
        repos.append(Repo(raw["name"], raw["repo"], raw["commit"], raw["layout"], tuple(args), tuple(modes)))
    return repos


def load_triage(path: Path, repo_names: set[str]) -> list[Entry]:
    if not path.exists():
        return []
    data = load_yaml_subset(path)
    items = data.get("entries") if isinstance(data, dict) else data
    if items is None:
        return []
    if not isinstance(items, list):
        raise SetupError(f"{path}: expected an `entries:` list")
    entries: list[Entry] = []
    for number, raw in enumerate(items, 1):
        where = f"{path.name}: entry #{number}"
        unknown = set(raw) - {"repo", "rule", "file", "file_re", "message", "message_re", "verdict", "reason", "mode"}
        if unknown:
            raise SetupError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        for key in ("repo", "rule", "verdict", "reason"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise SetupError(f"{where}: `{key}` is required")
        if raw["repo"] not in repo_names:
            raise SetupError(f"{where}: unknown repo `{raw['repo']}`")
        if raw.get("mode") not in (None, *MODES):
            raise SetupError(f"{where}: mode must be one of {', '.join(MODES)} (got `{raw['mode']}`)")
        if raw["verdict"] not in VERDICTS:
            raise SetupError(f"{where}: verdict must be one of {', '.join(VERDICTS)} (got `{raw['verdict']}`)")
        if ("file" in raw) == ("file_re" in raw):
            raise SetupError(f"{where}: give exactly one of `file` and `file_re`")
        if ("message" in raw) == ("message_re" in raw):
            raise SetupError(f"{where}: give exactly one of `message` and `message_re`")
        try:
            file_re = re.compile(raw["file_re"]) if "file_re" in raw else None
            message_re = re.compile(raw["message_re"]) if "message_re" in raw else None
        except (re.error, TypeError) as exc:
            raise SetupError(f"{where}: bad regex: {exc}") from None
        entries.append(
            Entry(
                repo=raw["repo"],
                rule=raw["rule"],
                verdict=raw["verdict"],
                reason=raw["reason"],
                file=raw.get("file"),
                file_re=file_re,
                message=normalise_message(raw["message"]) if "message" in raw else None,
                message_re=message_re,
                mode=raw.get("mode"),
                index=number,
            )
        )
    return entries


def classify(repo: str, finding: dict[str, Any], entries: Sequence[Entry]) -> Entry | None:
    """The entry that triages this finding: exact entries first, then the others in file order."""
    normalised = normalise_message(finding["message"])
    for pool in ([e for e in entries if e.exact], [e for e in entries if not e.exact]):
        for entry in pool:
            if entry.matches(repo, finding, normalised):
                return entry
    return None


# --------------------------------------------------------------------------------------------
# Checkouts
# --------------------------------------------------------------------------------------------


def _git(cwd: Path | None, *args: str, input_text: str | None = None) -> str:
    try:
        done = subprocess.run(
            [*GIT, *args],
            check=False,
            cwd=cwd,
            input=input_text,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"git {args[0]} failed: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise SetupError(f"git {' '.join(args[:2])} failed: {tail[0]}")
    return done.stdout


def mirror_for(repo: Repo, mirrors: Path) -> Path:
    base = mirrors / repo.repo.replace("/", "+")
    for candidate in (base / "repo", base):
        if (candidate / "objects").is_dir() and (candidate / "HEAD").exists():
            return candidate
    raise SetupError(f"{repo.name}: no mirror of {repo.repo} under {mirrors} (fetch github:{repo.repo} first)")


def _missing_blobs(checkout: Path, commit: str) -> list[str]:
    """Paths at `commit` whose blobs the mirror lacks (snapshots omit files of 4 MiB and more)."""
    listing = _git(checkout, "ls-tree", "-r", "-z", "--full-tree", commit)
    blobs: list[tuple[str, str]] = []
    for record in listing.split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob":
            blobs.append((sha, path))
    if not blobs:
        return []
    answer = _git(checkout, "cat-file", "--batch-check", input_text="".join(f"{sha}\n" for sha, _ in blobs))
    missing_shas = {line.split()[0] for line in answer.splitlines() if line.endswith(" missing")}
    return sorted(path for sha, path in blobs if sha in missing_shas)


def _sparse_pattern(path: str) -> str:
    escaped = re.sub(r"([\\*?\[\]!# ])", r"\\\1", path)
    return "!/" + escaped


def _marker(checkout: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((checkout / ".git" / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _head(checkout: Path) -> str | None:
    try:
        return _git(checkout, "rev-parse", "HEAD").strip()
    except SetupError:
        return None


def ensure_checkout(repo: Repo, checkout: Path, mirrors: Path) -> tuple[bool, list[str]]:
    """Materialise repo.commit at `checkout`; returns (reused, paths absent from the snapshot)."""
    marker = _marker(checkout)
    if marker is not None and marker.get("commit") == repo.commit and _head(checkout) == repo.commit:
        status = _git(checkout, "status", "--porcelain", "--untracked-files=normal")
        url = _git(checkout, "remote", "get-url", "origin").strip()
        if not status.strip() and url == repo.url:
            return True, list(marker.get("missing", []))
    if checkout.exists():
        if marker is None and any(checkout.iterdir()):
            raise SetupError(f"{repo.name}: {checkout} exists and is not a corpus checkout; remove it or use --workdir")
        shutil.rmtree(checkout)
    mirror = mirror_for(repo, mirrors)
    checkout.parent.mkdir(parents=True, exist_ok=True)
    _git(None, "clone", "--quiet", "--no-checkout", str(mirror), str(checkout))
    _git(checkout, "remote", "set-url", "origin", repo.url)
    try:
        _git(checkout, "cat-file", "-e", repo.commit + "^{commit}")
    except SetupError:
        raise SetupError(f"{repo.name}: commit {repo.commit} is not in the mirror {mirror}") from None
    missing = _missing_blobs(checkout, repo.commit)
    if missing:
        _git(checkout, "config", "core.sparseCheckout", "true")
        _git(checkout, "config", "core.sparseCheckoutCone", "false")
        info = checkout / ".git" / "info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "sparse-checkout").write_text(
            "/*\n" + "".join(_sparse_pattern(p) + "\n" for p in missing), encoding="utf-8"
        )
    _git(checkout, "checkout", "--quiet", "--detach", repo.commit)
    (checkout / ".git" / MARKER).write_text(
        json.dumps({"name": repo.name, "repo": repo.repo, "commit": repo.commit, "missing": missing}, indent=2) + "\n",
        encoding="utf-8",
    )
    return False, missing


# --------------------------------------------------------------------------------------------
# Running the linter
# --------------------------------------------------------------------------------------------


@dataclass
class Result:
    repo: Repo
    exit_code: int | None = None  # None: did not run (timeout or setup error)
    seconds: float = 0.0
    stderr: str = ""
    error: str | None = None  # timeout, unparsable output, checkout failure
    missing_files: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[str | None] = field(default_factory=list)  # parallel to findings

    @property
    def crashed(self) -> bool:
        return (
            self.error is not None or self.exit_code not in (0, 1) or any(f["rule"] == "LN004" for f in self.findings)
        )

    def count(self, verdict: str | None) -> int:
        return sum(1 for v in self.verdicts if v == verdict)


def run_linter(
    cmd: Sequence[str], checkout: Path, args: Sequence[str], timeout: float
) -> tuple[int | None, float, str, str, str | None]:
    """(exit code or None, seconds, stdout, stderr, error)."""
    argv = [*cmd, "--format", "json", "--root", str(checkout), str(checkout), *args]
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "GITEA_ACTIONS", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=checkout,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        return None, 0.0, "", "", f"cannot run {argv[0]}: {exc.strerror}"
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return None, time.monotonic() - start, stdout, stderr, f"timeout after {timeout:g} s"
    return proc.returncode, time.monotonic() - start, stdout, stderr, None


def lint_repo(
    repo: Repo,
    checkout: Path,
    cmd: Sequence[str],
    extra: Sequence[str],
    timeout: float,
    entries: Sequence[Entry],
    missing: list[str],
) -> Result:
    result = Result(repo, missing_files=missing)
    code, seconds, stdout, stderr, error = run_linter(cmd, checkout, [*repo.args, *extra], timeout)
    result.exit_code, result.seconds, result.stderr, result.error = code, seconds, stderr, error
    if error is None and code in (0, 1):
        try:
            report = json.loads(stdout)
            findings = [f for f in report["findings"] if not f.get("suppressed")]
        except (ValueError, KeyError, TypeError) as exc:
            result.error = f"unparsable JSON output ({exc})"
            findings = []
        result.findings = findings
        for finding in findings:
            entry = classify(repo.name, finding, entries)
            if entry is not None:
                entry.hits += 1
            result.verdicts.append(entry.verdict if entry else None)
    return result


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def precision(tp: int, fp: int) -> float | None:
    return tp / (tp + fp) if tp + fp else None


def _fmt_precision(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _numbers(results: Iterable[Result]) -> dict[str, Any]:
    results = list(results)
    tp = sum(r.count("tp") for r in results)
    fp = sum(r.count("fp") for r in results)
    return {
        "findings": sum(len(r.findings) for r in results),
        "tp": tp,
        "fp": fp,
        "debatable": sum(r.count("debatable") for r in results),
        "artifact": sum(r.count("artifact") for r in results),
        "untriaged": sum(r.count(None) for r in results),
        "precision": precision(tp, fp),
        "crashes": sum(1 for r in results if r.crashed),
        "seconds": round(sum(r.seconds for r in results), 2),
    }


COLUMNS = (
    ("repo", 28),
    ("findings", 8),
    ("tp", 5),
    ("fp", 5),
    ("debat", 5),
    ("untri", 5),
    ("precision", 9),
    ("exit", 4),
    ("seconds", 8),
)


def _row(cells: Sequence[str], note: str = "") -> str:
    parts = [f"{cells[0]:<{COLUMNS[0][1]}}"] + [f"{c:>{w}}" for c, (_, w) in zip(cells[1:], COLUMNS[1:], strict=True)]
    return (" ".join(parts) + "  " + note).rstrip()


def _cells(name: str, n: dict[str, Any], exit_text: str) -> list[str]:
    keys = ("findings", "tp", "fp", "debatable", "untriaged")
    return [name, *(str(n[k]) for k in keys), _fmt_precision(n["precision"]), exit_text, f"{n['seconds']:.1f}"]


def print_report(results: Sequence[Result], stale: Sequence[Entry], out: Any = sys.stdout) -> None:
    header = _row([c for c, _ in COLUMNS], "crash")
    print(header, file=out)
    print("-" * len(header), file=out)
    for r in results:
        exit_text = "-" if r.exit_code is None else str(r.exit_code)
        crash = ""
        if r.crashed:
            reasons = [r.error] if r.error else []
            if r.exit_code not in (0, 1, None):
                reasons.append(f"exit {r.exit_code}")
            ln004 = sum(1 for f in r.findings if f["rule"] == "LN004")
            if ln004:
                reasons.append(f"{ln004} LN004")
            crash = "CRASH: " + "; ".join(reasons)
        print(_row(_cells(r.repo.name, _numbers([r]), exit_text), crash), file=out)
    total = _numbers(results)
    print("-" * len(header), file=out)
    print(_row(_cells("TOTAL", total, ""), f"{total['crashes']} crashed" if total["crashes"] else ""), file=out)
    print(
        f"\nOverall precision: {_fmt_precision(total['precision'])} "
        f"(tp {total['tp']} / (tp {total['tp']} + fp {total['fp']}); {total['debatable']} debatable and "
        f"{total['artifact']} corpus artifacts not counted)",
        file=out,
    )
    for r in results:
        if r.crashed and r.stderr.strip():
            print(f"\n{r.repo.name} stderr (last lines):", file=out)
            for line in r.stderr.strip().splitlines()[-8:]:
                print(f"  {line}", file=out)
    untriaged = [(r, f) for r in results for f, v in zip(r.findings, r.verdicts, strict=False) if v is None]
    if untriaged:
        print(f"\nUntriaged findings ({len(untriaged)}):", file=out)
        for r, f in untriaged:
            print(f"  {r.repo.name} {f['rule']} {f['file']}:{f['line']} {f['message']}", file=out)
    if stale:
        print(f"\nStale triage entries ({len(stale)}, matched nothing in this run):", file=out)
        for entry in stale:
            print(f"  #{entry.index} {entry.describe()}", file=out)


def _finding_json(r: Result, f: dict[str, Any]) -> dict[str, Any]:
    return {
        "repo": r.repo.name,
        "rule": f["rule"],
        "file": f["file"],
        "line": f["line"],
        "column": f["column"],
        "severity": f["severity"],
        "message": f["message"],
    }


def write_json(path: Path, results: Sequence[Result], stale: Sequence[Entry]) -> None:
    data = {
        "repos": [
            {
                "name": r.repo.name,
                "repo": r.repo.repo,
                "commit": r.repo.commit,
                "exit_code": r.exit_code,
                "seconds": round(r.seconds, 2),
                "crashed": r.crashed,
                "error": r.error,
                "missing_files": r.missing_files,
                **_numbers([r]),
            }
            for r in results
        ],
        "overall": _numbers(results),
        "untriaged": [
            _finding_json(r, f) for r in results for f, v in zip(r.findings, r.verdicts, strict=False) if v is None
        ],
        "stale": [
            {
                "index": e.index,
                "repo": e.repo,
                "rule": e.rule,
                "file": e.file or (e.file_re.pattern if e.file_re else None),
                "message": e.message or (e.message_re.pattern if e.message_re else None),
            }
            for e in stale
        ],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_untriaged_yaml(path: Path, results: Sequence[Result]) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    entries: list[dict[str, Any]] = []
    for r in results:
        for f, v in zip(r.findings, r.verdicts, strict=False):
            key = (r.repo.name, f["rule"], f["file"], normalise_message(f["message"]))
            if v is not None or key in seen:
                continue
            seen.add(key)
            entries.append(
                {
                    "repo": r.repo.name,
                    "rule": f["rule"],
                    "file": f["file"],
                    "message": f["message"],
                    "verdict": "TODO",
                    "reason": "",
                }
            )
    header = (
        "Skeleton triage entries for untriaged findings (written by run.py --untriaged-yaml).\n"
        "Set verdict to tp, fp or debatable, write a one-line reason, and move them to triage.yaml."
    )
    path.write_text(dump_entries("entries", entries, header), encoding="utf-8")


# --------------------------------------------------------------------------------------------


def _default_cmd() -> list[str]:
    """The m0sh1-lint next to this interpreter (its venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "m0sh1-lint"
    if beside.exists():
        return [str(beside)]
    return [shutil.which("m0sh1-lint") or str(beside)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure m0sh1-lint precision on the real-repository corpus.")
    parser.add_argument("--repo", action="append", default=[], metavar="NAME", help="only this repo (repeatable)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="parent directory of the checkouts")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="where the fetched mirrors live")
    parser.add_argument("--no-checkout", action="store_true", help="use the existing checkouts as they are")
    parser.add_argument("--cmd", help="linter command (default: m0sh1-lint next to sys.executable)")
    parser.add_argument("--extra-args", default="", help='extra linter arguments, e.g. --extra-args="--select SS"')
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per repo (default 300)")
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="write per-repo and overall numbers and untriaged findings"
    )
    parser.add_argument(
        "--untriaged-yaml", type=Path, metavar="FILE", help="write skeleton triage entries (verdict TODO)"
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="offline",
        help="which triage entries apply: those without `mode` and those of this mode (default offline)",
    )
    parser.add_argument("--repos", type=Path, default=DEFAULT_REPOS, help=argparse.SUPPRESS)
    parser.add_argument("--triage", type=Path, default=DEFAULT_TRIAGE, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)

    try:
        repos = load_repos(opts.repos)
        entries = [e for e in load_triage(opts.triage, {r.name for r in repos}) if e.mode in (None, opts.mode)]
        unknown = [n for n in opts.repo if n not in {r.name for r in repos}]
        if unknown:
            raise SetupError(f"unknown repo(s): {', '.join(unknown)} (known: {', '.join(r.name for r in repos)})")
        selected = [r for r in repos if (not opts.repo or r.name in opts.repo) and opts.mode in r.modes]
        workdir = opts.workdir.expanduser().resolve()
        project = HERE.parent.parent
        if workdir == project or project in workdir.parents:
            raise SetupError(f"--workdir {workdir} is inside the project; checkouts must live outside it")
        cmd = shlex.split(opts.cmd) if opts.cmd else _default_cmd()
        extra = shlex.split(opts.extra_args)
    except SetupError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2

    results: list[Result] = []
    setup_failed = False
    for repo in selected:
        checkout = workdir / repo.name
        print(f"[{repo.name}] {repo.repo}@{repo.commit[:12]}", file=sys.stderr, flush=True)
        try:
            if opts.no_checkout:
                if not (checkout / ".git").exists():
                    raise SetupError(f"{repo.name}: --no-checkout but {checkout} has no checkout")
                missing = list((_marker(checkout) or {}).get("missing", []))
            else:
                reused, missing = ensure_checkout(repo, checkout, opts.mirrors)
                print(
                    f"[{repo.name}]   {'reused' if reused else 'checked out'} {checkout}"
                    + (f" ({len(missing)} file(s) absent from the snapshot)" if missing else ""),
                    file=sys.stderr,
                    flush=True,
                )
        except SetupError as exc:
            print(f"run.py: {exc}", file=sys.stderr)
            result = Result(repo, error=f"checkout failed: {exc}")
            results.append(result)
            setup_failed = True
            continue
        result = lint_repo(repo, checkout, cmd, extra, opts.timeout, entries, missing)
        print(
            f"[{repo.name}]   {result.error or f'exit {result.exit_code}'}, {len(result.findings)} finding(s), "
            f"{result.seconds:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        results.append(result)

    # entries of a repo whose run produced no findings list (timeout, exit 2, bad JSON) are not stale, just unknown
    ran = {r.repo.name for r in results if r.error is None and r.exit_code in (0, 1)}
    stale = [e for e in entries if e.repo in ran and e.hits == 0]
    print_report(results, stale)
    if opts.json:
        write_json(opts.json, results, stale)
    if opts.untriaged_yaml:
        write_untriaged_yaml(opts.untriaged_yaml, results)
    if setup_failed:
        return 2
    untriaged = any(v is None for r in results for v in r.verdicts)
    return 1 if untriaged or any(r.crashed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
