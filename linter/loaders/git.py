"""What changed, read with git plumbing: the only place the linter runs a program.

git itself is trusted; the repository's own configuration is not, so every call disables the
settings through which a repo could make git run something (fsmonitor hooks, external diff and
textconv drivers, pagers).
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..core.reading import NotReadable, read_regular, resolved_inside
from ..model import GitState, History
from .files import MAX_FILE_BYTES
from .yaml import parse_documents

_SAFE = [
    "-c",
    "core.fsmonitor=false",
    "-c",
    "diff.external=",
    "-c",
    "core.pager=cat",
    "-c",
    "core.hooksPath=/dev/null",
    "--no-pager",
]
TIMEOUT = 30


class GitError(Exception):
    pass


_UNANSWERED: set[str] = set()  # work trees where git timed out: not asked again in this process


def _run(root: Path, args: Sequence[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """One git process: safe config, no inherited GIT_* settings, bounded in time. A work tree
    where git once did not answer (a named pipe for .git/HEAD) is not asked again, so a run
    waits TIMEOUT once, not once per call."""
    if str(root) in _UNANSWERED:
        raise GitError(f"git did not answer within {TIMEOUT} s in this work tree")
    odd = _odd_git_file(root)
    if odd is not None:
        raise GitError(f"{odd} is not a regular file, so git is not run there")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") or k in ("GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES")
    }
    env["GIT_OPTIONAL_LOCKS"] = "0"
    try:
        return subprocess.run(
            ["git", *_SAFE, *args], cwd=root, input=stdin, capture_output=True, timeout=TIMEOUT, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        _UNANSWERED.add(str(root))
        raise GitError(f"git {args[0]} did not answer within {TIMEOUT} s") from None
    except OSError as exc:
        raise GitError(f"git {args[0]} failed: {exc}") from None


@functools.lru_cache(maxsize=16)
def _odd_git_file(root: Path) -> str | None:
    """A file git reads first in the nearest `.git` directory that is not a regular file (git
    would block on a named pipe until TIMEOUT), or None."""
    for directory in (root, *root.parents):
        git_dir = directory / ".git"
        if git_dir.is_dir():
            for name in ("HEAD", "config", "index", "packed-refs"):
                path = git_dir / name
                if path.exists() and not path.is_file():
                    return str(path)
            return None
        if git_dir.exists():
            return None if git_dir.is_file() else str(git_dir)
    return None


def _git(root: Path, *args: str) -> str:
    done = _run(root, args)
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise GitError(stderr.splitlines()[-1] if stderr else f"git {args[0]} failed")
    return done.stdout.decode("utf-8", "replace")


def remote_urls(root: Path) -> tuple[str, ...]:
    """The URLs of every remote of the work tree around `root` (fetch and push), or none."""
    try:
        out = _git(root, "config", "--get-regexp", r"^remote\..*\.(url|pushurl)$")
    except GitError:
        return ()  # not a repository, or no remote
    return tuple(sorted({line.split(None, 1)[1].strip() for line in out.splitlines() if " " in line}))


def tracked_under(root: Path, directory: str) -> bool:
    """Does git track any file under `directory` (relative to `root`)? False outside a repository."""
    try:
        return bool(_git(root, "--literal-pathspecs", "ls-files", "-z", "--", directory).strip("\0"))
    except GitError:
        return False


def is_repo(root: Path) -> bool:
    """Inside a git work tree (the lint root may be a subdirectory, like examples/homelab)."""
    try:
        return _git(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def load_state(root: Path, base_ref: str | None, staged: bool) -> GitState:
    """The base commit and the files that differ from it (old texts are read with read_many)."""
    if not is_repo(root):
        raise GitError(f"{root} is not inside a git work tree")
    return _state(root, base_ref, staged)


def _state(root: Path, base_ref: str | None, staged: bool) -> GitState:
    """load_state inside a known work tree (each git call is a process: ~4 ms)."""
    if base_ref:
        try:
            _git(root, "rev-parse", "--verify", "--quiet", base_ref + "^{commit}")
        except GitError:
            raise GitError(
                f"--base `{base_ref}` is not a commit here; fetch it first (git fetch origin {base_ref.split('/')[-1]})"
            ) from None
        try:
            base = _git(root, "merge-base", base_ref, "HEAD").strip()
        except GitError:
            shallow = _git(root, "rev-parse", "--is-shallow-repository").strip() == "true"
            hint = (
                (
                    " This is a shallow clone: fetch more history (git fetch --unshallow, or actions/checkout "
                    "with fetch-depth: 0)."
                )
                if shallow
                else ""
            )
            raise GitError(f"no merge base between `{base_ref}` and HEAD.{hint}") from None
        described = f"{base_ref} (merge base {base[:7]})"
        diff_args = ["diff", "--relative", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv"]
        diff_args += [base, "--"]
        mode = "base"
    else:
        try:
            base = _git(root, "rev-parse", "--verify", "HEAD").strip()
        except GitError:
            raise GitError("the repository has no commits yet, so there is nothing to compare with") from None
        described = "HEAD"
        mode = "staged" if staged else "worktree"
        diff_args = ["diff", "--relative", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv"]
        diff_args += ["--cached", base, "--"] if staged else [base, "--"]
    # -z: names as they are (git quotes non-ASCII names and newlines otherwise)
    changed = set(_git(root, *diff_args).split("\0"))
    if not staged:
        changed |= set(_git(root, "ls-files", "-z", "--others", "--exclude-standard").split("\0"))
    changed.discard("")
    return GitState(mode, base, described, tuple(sorted(changed)))


def with_overlay(state: GitState, overlay: Mapping[str, str]) -> GitState:
    """The state as it will be once the planned edits are written: their files count as changed."""
    if not overlay:
        return state
    return GitState(state.mode, state.base, state.described, tuple(sorted({*state.changed, *overlay})))


def read_many(root: Path, commit: str, paths: list[str]) -> dict[str, str | None]:
    """Files' text at `commit` (None when absent) with one `git cat-file --batch` process."""
    if not paths:
        return {}
    # `rev:./path` is relative to the working directory: the lint root may be a subdirectory.
    request = "".join(f"{commit}:./{path}\n" for path in paths if "\n" not in path).encode()
    done = _run(root, ["cat-file", "--batch"], stdin=request)
    out: dict[str, str | None] = {path: None for path in paths if "\n" in path}  # not expressible in --batch
    paths = [path for path in paths if "\n" not in path]
    data, at = done.stdout, 0
    for path in paths:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        at = end + 1
        if len(header) != 3 or header[1] != b"blob":
            out[path] = None
            continue
        size = int(header[2])
        out[path] = data[at : at + size].decode("utf-8", "replace")
        at += size + 1
    return out


def load_history(
    root: Path,
    chart_dirs: list[str],
    external_values: list[str],
    base_ref: str | None,
    staged: bool,
    overlay: Mapping[str, str] | None = None,
) -> History:
    """Changed files and, for charts with changes, the base and current Chart.yaml, Chart.lock and
    changed values files. A git problem becomes `error` (reported once), never an exception."""
    if not is_repo(root):
        if base_ref:
            return History(None, f"--base {base_ref}: {root} is not inside a git work tree")
        return History(None, None)  # an export or tarball: nothing to compare, nothing to report
    try:
        state = _state(root, base_ref, staged)
    except GitError as exc:
        return History(None, str(exc))
    overlay = overlay or {}
    state = with_overlay(state, overlay)
    changed = set(state.changed)
    wanted: set[str] = set()
    for chart in chart_dirs:
        if any(p.startswith(chart + "/") for p in changed):
            wanted |= {f"{chart}/Chart.yaml", f"{chart}/Chart.lock"}
            wanted |= {p for p in changed if p.startswith(chart + "/") and p.endswith((".yaml", ".yml"))}
    for path in external_values:
        if path in changed:
            wanted.add(path)
            wanted |= {f"{chart}/Chart.yaml" for chart in chart_dirs}
    try:
        old = read_many(root, state.base, sorted(wanted))
        new = read_many(root, "", sorted(wanted)) if staged else {p: _read_worktree(root, p) for p in sorted(wanted)}
        new.update({p: text for p, text in overlay.items() if p in wanted})
    except GitError as exc:
        return History(None, str(exc))
    return History(state, None, _parsed(old), _parsed(new))


def _parsed(texts: Mapping[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, text in texts.items():
        docs = parse_documents(text, path)[0] if text is not None else []
        out[path] = docs[0].data if docs else None
    return out


def _read_worktree(root: Path, path: str) -> str | None:
    full = root / path
    try:
        if resolved_inside(full, root) is None:
            return None
        return read_regular(full, MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except (OSError, NotReadable):
        return None
