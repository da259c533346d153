"""Fuzz m0sh1-lint with mutated copies of a fixture repository (not run in CI).

Each mutant is a copy of `examples/homelab` (or --seed DIR) with one to three mutations applied
to its YAML files: byte flips, truncation, deleted or duplicated lines, indentation shifts, type
swaps of scalars (numbers, booleans, huge integers, NaN, non-ASCII digits, control characters),
alias bombs, deep nesting, huge scalars, hostile Helm templates (endless loops, fail with
invalid UTF-8), `..` paths, and links out of the tree. Every mutant carries a marker Secret value
and a marker file outside its tree; the run fails the mutant when:

- the exit code is not 0, 1 or 2, or stderr holds a Python traceback or "internal error";
- it takes longer than --timeout seconds (a hang) or its peak RSS exceeds --rss MB;
- a marker (the Secret value, the outside file's content) appears in any output.

    .venv/bin/python benchmarks/fuzz.py --mutants 2000 --jobs 2
    .venv/bin/python benchmarks/fuzz.py --mutants 50 --seed tests/fixtures/e2e/seed.after --keep /tmp/fuzz

Prints one line per failing mutant and the totals; exit 1 when any mutant failed. Stdlib only.
The linter runs offline (M0SH1_LINT_OFFLINE=1) with a private chart cache.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_MARK = "fuzz-secret-Q8v2"
OUTSIDE_MARK = "fuzz-outside-Z3k9"
FORMATS = ("text", "json", "sarif", "github", "markdown")

SCALARS = [
    "0",
    "-1",
    "1e+08",
    "9" * 5000,
    ".nan",
    "-.inf",
    '"²"',
    '"nan%"',
    "true",
    "~",
    '"\\e[2J\\r\\n::error::forged"',
    "[]",
    "{}",
    '"' + "x" * 200_000 + '"',
    "0x1F",
    "2026-01-01",
]
TEMPLATES = [
    "{{- $x := list }}{{- range until 300000 }}{{- $x = append $x . }}{{- end }}\n",
    '{{- $s := "0123456789abcdef" }}{{- range until 40 }}{{- $s = print $s $s }}{{- end }}{{ len $s }}\n',
    '{{ fail (b64dec "/w==") }}\n',
    '{{ include "loop" . }}{{ define "loop" }}{{ include "loop" . }}{{ end }}\n',
    "{{ .Values.nope.deeper.still }}\n",
    '{{ lookup "v1" "Secret" "default" "x" }}\n',
]


@dataclass(frozen=True)
class Outcome:
    mutant: int
    mutations: tuple[str, ...]
    code: int | None
    seconds: float
    rss_mb: float
    problem: str | None  # None: passed


def yaml_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".tpl"))


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)


def flip_bytes(rng: random.Random, path: Path) -> str:
    data = bytearray(path.read_bytes())
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return f"flip {path.name}"


def truncate(rng: random.Random, path: Path) -> str:
    data = path.read_bytes()
    path.write_bytes(data[: rng.randrange(len(data) + 1)])
    return f"truncate {path.name}"


def drop_or_duplicate_line(rng: random.Random, path: Path) -> str:
    lines = _lines(path)
    if not lines:
        return "noop"
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        del lines[i]
    else:
        lines.insert(i, lines[i])
    path.write_text("".join(lines), encoding="utf-8")
    return f"line {path.name}:{i + 1}"


def shift_indent(rng: random.Random, path: Path) -> str:
    lines = _lines(path)
    if not lines:
        return "noop"
    i = rng.randrange(len(lines))
    lines[i] = (" " * rng.choice((1, 2, 3)) + lines[i]) if rng.random() < 0.5 else lines[i].lstrip(" ")
    path.write_text("".join(lines), encoding="utf-8")
    return f"indent {path.name}:{i + 1}"


def swap_scalar(rng: random.Random, path: Path) -> str:
    lines = _lines(path)
    candidates = [i for i, line in enumerate(lines) if ": " in line and not line.rstrip().endswith(":")]
    if not candidates:
        return "noop"
    i = rng.choice(candidates)
    key = lines[i].split(": ", 1)[0]
    value = rng.choice(SCALARS)
    lines[i] = f"{key}: {value}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return f"scalar {path.name}:{i + 1}={value[:20]}"


def alias_bomb(rng: random.Random, path: Path) -> str:
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for level in "bcdefghi":
        bomb.append(f"{level}: &{level} [" + ",".join([f"*{chr(ord(level) - 1)}"] * 9) + "]")
    path.write_text(path.read_text(encoding="utf-8", errors="replace") + "\n---\n" + "\n".join(bomb) + "\n")
    return f"bomb {path.name}"


def deep_nesting(rng: random.Random, path: Path) -> str:
    depth = rng.choice((200, 2000, 20000))
    path.write_text("a: " + "[" * depth + "]" * depth + "\n")
    return f"nest {path.name} {depth}"


def hostile_template(rng: random.Random, path: Path) -> str:
    templates = [p for p in path.parents if (p / "Chart.yaml").exists()]
    if not templates:
        return "noop"
    target = templates[0] / "templates" / "fuzz.yaml"
    target.parent.mkdir(exist_ok=True)
    text = rng.choice(TEMPLATES)
    target.write_text(text)
    return f"template {target.parent.parent.name}: {text[:30]!r}"


def outside_path(rng: random.Random, path: Path) -> str:
    lines = _lines(path)
    for i, line in enumerate(lines):
        if line.strip().startswith(("path:", "valuesFile:", "- ../", "repository: file://")):
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: ../../../../../../tmp\n"
            path.write_text("".join(lines), encoding="utf-8")
            return f"outside-path {path.name}:{i + 1}"
    return "noop"


def link_out(rng: random.Random, path: Path, outside: Path) -> str:
    path.unlink()
    os.symlink(outside, path)
    return f"link {path.name}"


MUTATIONS: list[Callable[[random.Random, Path], str]] = [
    flip_bytes,
    truncate,
    drop_or_duplicate_line,
    shift_indent,
    swap_scalar,
    swap_scalar,
    alias_bomb,
    deep_nesting,
    hostile_template,
    outside_path,
]


def make_mutant(seed_tree: Path, work: Path, index: int, rng: random.Random) -> tuple[Path, tuple[str, ...]]:
    tree = work / f"m{index:05d}" / "repo"
    shutil.copytree(seed_tree, tree, symlinks=True)
    outside = tree.parent / "outside.yaml"
    outside.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {OUTSIDE_MARK}\n")
    secret = tree / "apps" / "fuzz-secret.yaml"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: fuzz\n  namespace: apps\n"
        f"stringData:\n  password: {SECRET_MARK}\n"
    )
    files = yaml_files(tree)
    done = []
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(files)
        if not path.exists() or path.is_symlink():
            continue
        if rng.random() < 0.05:
            done.append(link_out(rng, path, outside))
        else:
            done.append(rng.choice(MUTATIONS)(rng, path))
    return tree, tuple(done)


def run_mutant(
    cmd: Sequence[str], tree: Path, timeout: float, rss_limit: float, formats: Sequence[str] = FORMATS
) -> tuple[int | None, float, float, str | None]:
    env = {
        **os.environ,
        "M0SH1_LINT_OFFLINE": "1",
        "M0SH1_LINT_CACHE_DIR": str(tree.parent / "cache"),
        "M0SH1_LINT_RENDER_TIMEOUT": "5",
    }
    total, peak, last_code = 0.0, 0.0, None
    for fmt in formats:
        argv = [*cmd, "lint", "--root", str(tree), "--format", fmt, str(tree)]
        started = time.perf_counter()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
            try:
                deadline = started + timeout
                while True:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    if time.perf_counter() > deadline:
                        proc.kill()
                        _, status, usage = os.wait4(proc.pid, 0)
                        proc.returncode = -9
                        return None, time.perf_counter() - started, 0.0, f"hang ({fmt}, > {timeout:g} s)"
                    time.sleep(0.02)
            finally:
                if proc.returncode is None:
                    proc.returncode = 0  # reaped above
            seconds = time.perf_counter() - started
            code = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
        rss = usage.ru_maxrss / 1024
        total, peak, last_code = total + seconds, max(peak, rss), code
        if code not in (0, 1, 2):
            return code, total, peak, f"exit {code} ({fmt}): {stderr.strip()[-200:]}"
        if "Traceback" in stderr or "internal error" in stderr:
            return code, total, peak, f"crash ({fmt}): {stderr.strip().splitlines()[-1][:200]}"
        for mark in (SECRET_MARK, OUTSIDE_MARK):
            if mark in stdout or mark in stderr:
                return code, total, peak, f"leak of {mark} ({fmt})"
        if rss > rss_limit:
            return code, total, peak, f"memory {rss:.0f} MB ({fmt})"
    return last_code, total, peak, None


def recheck(cmd: Sequence[str], kept: Path, args: argparse.Namespace) -> int:
    """Run every kept mutant again (a failure may have been the machine, not the linter)."""
    failed = 0
    trees = sorted(kept.glob("m*/repo"))
    for tree in trees:
        *_, problem = run_mutant(cmd, tree, args.timeout, args.rss, args.formats.split(","))
        if problem:
            failed += 1
            print(f"{tree.parent.name}: {problem}")
    print(f"rechecked {len(trees)} kept mutants: {failed} still fail")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutants", type=int, default=200)
    parser.add_argument("--seed", default=str(ROOT / "examples" / "homelab"), help="the tree to mutate")
    parser.add_argument("--random-seed", type=int, default=12, help="for reproducible mutants")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run before it counts as a hang")
    parser.add_argument(
        "--rss", type=float, default=1400.0, help="peak RSS MB per run (linter + Helm worker, which stops at 1 GiB)"
    )
    parser.add_argument("--keep", metavar="DIR", help="write mutants to DIR and keep the failing ones")
    parser.add_argument("--formats", default=",".join(FORMATS), help="output formats each mutant is run with")
    parser.add_argument("--recheck", metavar="DIR", help="run the mutants kept in DIR (by --keep) again, and stop")
    parser.add_argument("--cmd", default=f"{sys.executable} -m linter.cli", help="linter command")
    args = parser.parse_args(argv)
    cmd = args.cmd.split()
    if args.recheck:
        return recheck(cmd, Path(args.recheck), args)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="m0sh1-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.random_seed)
    plans = [random.Random(rng.random()) for _ in range(args.mutants)]

    def one(index: int) -> Outcome:
        tree, mutations = make_mutant(Path(args.seed), work, index, plans[index])
        code, seconds, rss, problem = run_mutant(cmd, tree, args.timeout, args.rss, args.formats.split(","))
        if problem is None:
            shutil.rmtree(tree.parent, ignore_errors=True)
        return Outcome(index, mutations, code, seconds, rss, problem)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(one, range(args.mutants)))
    failed = [o for o in outcomes if o.problem]
    for o in failed:
        print(f"mutant {o.mutant:05d} [{'; '.join(o.mutations)}]: {o.problem}")
    codes = Counter(o.code for o in outcomes)
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(
        f"{len(outcomes)} mutants x {len(args.formats.split(','))} formats in {time.perf_counter() - started:.0f} s: "
        f"{len(failed)} failed; exit codes {dict(sorted(codes.items(), key=str))}; "
        f"slowest mutant {slowest.seconds:.1f} s, peak RSS {max(o.rss_mb for o in outcomes):.0f} MB"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
