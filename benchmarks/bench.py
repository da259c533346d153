"""Benchmark m0sh1-lint on synthetic GitOps repositories of N wrapper charts.

Each repo is shaped like examples/homelab: Argo CD Applications under argocd/apps/{cluster,user}/
(about 1 in 10 parked under argocd/disabled/), Helm wrapper charts under apps/{cluster,user}/<name>/
(PVC, CloudNativePG Cluster with storage/walStorage from values, Deployment), one storage chart
defining the StorageClasses (apps/cluster/proxmox-csi) and one kustomize directory of SealedSecrets
(apps/user/secrets-apps, one per chart). About 1 in 5 charts carries a stale StorageClass (in
values, in a template `default`, or as a literal in a PVC) so the run has findings.

The installed CLI is timed as a subprocess (`m0sh1-lint --root D D --format json`): one warm-up,
then --repeat measured runs, each reaped with os.wait4 so peak RSS is that child's own.

Run (from the repository root, with the venv the linter is installed in):

    /work/venv/bin/python benchmarks/bench.py                      # N = 60 and 600, 5 repeats
    /work/venv/bin/python benchmarks/bench.py --charts 60 --profile
    /work/venv/bin/python benchmarks/bench.py --charts 60 --keep /tmp/bench-repos

Options: --charts N[,N...]  --repeat R  --keep DIR (write repos to DIR/charts-N and keep them)
--cmd "CMD" (linter command; default: m0sh1-lint next to sys.executable)  --profile (also run one
lint per N in-process under cProfile; the top 25 functions by cumulative time go to stderr).

Real repositories: `--repo DIR` (repeatable; e.g. the corpus checkouts under
~/.cache/m0sh1-lint-corpus/) times the lint of DIR against its parse floor: a fresh Python process
that only parses every *.yaml/*.yml file of DIR (hidden directories skipped, as the linter skips
them) with PyYAML's C loader (`yaml.load_all`, CSafeLoader). The ratio lint / floor is the target
(<= 8x); this needs PyYAML importable by sys.executable (the linter's venv).

Exit status: 0 all targets met, 1 a target missed, 2 the linter failed (exit 2 or a signal).
Stdlib only; Python 3.10+.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import hashlib
import io
import json
import os
import pstats
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

TIME_TARGETS_S = {60: 1.0, 600: 10.0}
RSS_TARGET_MB = 300.0
PROFILE_TOP = 25

REPO_URL = "https://git.m0sh1.cc/m0sh1/homelab.git"
STORAGE_CLASSES = [  # (name, storage, dataset, recordsize, cache)
    ("proxmox-csi-zfs-nvme-fast-retain", "k8s-nvme-fast", "rpool/k8s/nvme-fast", "16K", "directsync"),
    ("proxmox-csi-zfs-nvme-general-retain", "k8s-nvme-general", "rpool/k8s/nvme-general", "128K", "none"),
    ("proxmox-csi-zfs-sata-general-retain", "k8s-sata-general", "sata-ssd/k8s/general", "128K", "none"),
    ("proxmox-csi-zfs-sata-object-retain", "k8s-sata-object", "sata-ssd/k8s/object", "1M", "none"),
]
RENAMES = {  # old (stale) name -> current name, as in examples/homelab/.m0sh1-lint.yaml
    "proxmox-csi-zfs-pgdata-retain": "proxmox-csi-zfs-nvme-fast-retain",
    "proxmox-csi-zfs-pgwal-retain": "proxmox-csi-zfs-nvme-general-retain",
    "proxmox-csi-zfs-registry-retain": "proxmox-csi-zfs-sata-object-retain",
    "proxmox-csi-zfs-caches-delete": "proxmox-csi-zfs-nvme-fast-retain",
}
STALE = list(RENAMES)
WORDS = [
    "harbor",
    "gitea",
    "vault",
    "grafana",
    "loki",
    "minio",
    "nextcloud",
    "immich",
    "paperless",
    "authentik",
    "semaphore",
    "netbox",
    "outline",
    "wiki",
    "mealie",
    "forgejo",
]
UPSTREAM = "https://charts.example.invalid/{name}"


# --------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class ChartSpec:
    index: int
    name: str
    group: str  # "cluster" or "user"
    disabled: bool
    stale: str | None  # None, "values", "default" or "literal"

    @property
    def path(self) -> str:
        return f"apps/{self.group}/{self.name}"

    @property
    def namespace(self) -> str:
        return "apps" if self.group == "user" else f"{self.name}-system"


def chart_specs(n: int) -> list[ChartSpec]:
    """N charts: 1 in 4 cluster, 1 in 10 disabled, 1 in 5 stale (cycling through three kinds)."""
    kinds = ("values", "default", "literal")
    return [
        ChartSpec(
            index=i,
            name=f"{WORDS[i % len(WORDS)]}-{i:04d}",
            group="cluster" if i % 4 == 0 else "user",
            disabled=i % 10 == 9,
            stale=kinds[(i // 5) % 3] if i % 5 == 2 else None,
        )
        for i in range(n)
    ]


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def sealed_blob(seed: str, size: int = 684) -> str:
    """Deterministic base64 that looks like a kubeseal ciphertext ("AgB..." prefix)."""
    raw = b""
    block = seed.encode()
    while len(raw) < size:
        block = hashlib.sha256(block).digest()
        raw += block
    return "AgB" + base64.b64encode(raw)[: size - 3].decode()


def application(name: str, path: str, namespace: str, wave: int, helm: bool, comment: str = "") -> str:
    helm_block = f"    helm:\n      releaseName: {name}\n      valueFiles:\n        - values.yaml\n" if helm else ""
    return f"""{comment}apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
  annotations:
    argocd.argoproj.io/sync-wave: "{wave}"
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: default
  source:
    repoURL: {REPO_URL}
    targetRevision: main
    path: {path}
{helm_block}  destination:
    server: https://kubernetes.default.svc
    namespace: {namespace}
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true
"""


def labels_helper(prefix: str, part_of: str | None = None) -> str:
    part = f"app.kubernetes.io/part-of: {part_of}\n" if part_of else ""
    return f"""{{{{/*
Common labels.
*/}}}}
{{{{- define "{prefix}.labels" -}}}}
app.kubernetes.io/name: {{{{ .Chart.Name }}}}
app.kubernetes.io/instance: {{{{ .Release.Name }}}}
{part}app.kubernetes.io/managed-by: {{{{ .Release.Service }}}}
helm.sh/chart: {{{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}}}
{{{{- end }}}}

{{{{/*
Selector labels.
*/}}}}
{{{{- define "{prefix}.selectorLabels" -}}}}
app.kubernetes.io/name: {{{{ .Chart.Name }}}}
app.kubernetes.io/instance: {{{{ .Release.Name }}}}
{{{{- end }}}}
"""


def write_config(root: Path) -> None:
    renames = "".join(f"    {old}: {new}\n" for old, new in RENAMES.items())
    write(
        root,
        ".m0sh1-lint.yaml",
        f"# Synthetic benchmark repo (benchmarks/bench.py)\nrenames:\n  storageClasses:\n{renames}",
    )


def write_storage_chart(root: Path) -> None:
    base = "apps/cluster/proxmox-csi"
    write(
        root,
        f"{base}/Chart.yaml",
        "apiVersion: v2\nname: proxmox-csi\ndescription: Proxmox CSI StorageClasses\n"
        "type: application\nversion: 0.2.3\n",
    )
    write(root, f"{base}/templates/_helpers.tpl", labels_helper("proxmox-csi"))
    write(
        root,
        f"{base}/templates/storageclasses.yaml",
        """{{- range .Values.storageClasses }}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: {{ .name }}
  labels:
    {{- include "proxmox-csi.labels" $ | nindent 4 }}
  annotations:
    {{- if .default }}
    storageclass.kubernetes.io/is-default-class: "true"
    {{- end }}
    proxmox-csi.m0sh1.cc/zfs-dataset: {{ .dataset | quote }}
    proxmox-csi.m0sh1.cc/zfs-recordsize: {{ .recordsize | quote }}
provisioner: csi.proxmox.sinextra.dev
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
parameters:
  csi.storage.k8s.io/fstype: {{ $.Values.fsType | default "ext4" }}
  storage: {{ .storage | quote }}
  cache: {{ .cache | default "none" | quote }}
  ssd: {{ .ssd | default false | quote }}
{{- end }}
""",
    )
    classes = "".join(
        f"  - name: {name}\n    default: {'true' if i == 0 else 'false'}\n    storage: {storage}\n"
        f"    dataset: {dataset}\n    recordsize: {recordsize}\n    cache: {cache}\n    ssd: true\n\n"
        for i, (name, storage, dataset, recordsize, cache) in enumerate(STORAGE_CLASSES)
    )
    write(root, f"{base}/values.yaml", f"# Proxmox CSI StorageClasses\n\nfsType: ext4\n\nstorageClasses:\n{classes}")
    write(root, "argocd/apps/cluster/proxmox-csi.yaml", application("proxmox-csi", base, "kube-system", -20, helm=True))


def write_secrets(root: Path, specs: Sequence[ChartSpec]) -> None:
    base = "apps/user/secrets-apps"
    entries = []
    for spec in specs:
        secret = f"{spec.name}-postgres-auth"
        entries.append(f"  # {spec.name}\n  - {secret}.sealedsecret.yaml\n")
        write(
            root,
            f"{base}/{secret}.sealedsecret.yaml",
            f"""---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  creationTimestamp: null
  name: {secret}
  namespace: apps
spec:
  encryptedData:
    password: {sealed_blob(secret + "/password")}
    username: {sealed_blob(secret + "/username", 300)}
  template:
    metadata:
      creationTimestamp: null
      labels:
        cnpg.io/reload: "true"
      name: {secret}
      namespace: apps
    type: kubernetes.io/basic-auth
""",
        )
    write(
        root,
        f"{base}/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\n"
        "# Application credentials (SealedSecrets only)\nresources:\n" + "".join(entries),
    )
    write(root, "argocd/apps/user/secrets-apps.yaml", application("secrets-apps", base, "apps", 0, helm=False))


def chart_yaml(spec: ChartSpec) -> str:
    deps = (
        f"dependencies:\n  - name: {spec.name}\n    version: 1.{spec.index % 20}.0\n"
        f"    repository: {UPSTREAM.format(name=spec.name)}\n"
        if spec.index % 2 == 0
        else ""
    )
    return (
        f"apiVersion: v2\nname: {spec.name}\ndescription: {spec.name} wrapper chart with a per-app "
        f"CloudNativePG cluster\ntype: application\nversion: 0.{spec.index % 9}.{spec.index}\n"
        f'appVersion: "v1.{spec.index}.0"\n{deps}'
    )


def values_yaml(spec: ChartSpec) -> str:
    wal_class = STALE[spec.index % len(STALE)] if spec.stale == "values" else STORAGE_CLASSES[1][0]
    data_class = STORAGE_CLASSES[spec.index % 2 * 2][0]
    return f"""# {spec.name} wrapper chart values
#
# - postgresql: per-app CNPG cluster rendered by templates/postgres-cluster.yaml
# - persistence: data PVC rendered by templates/pvc.yaml

postgresql:
  enabled: true
  instances: {1 + spec.index % 3}
  imageName: ghcr.io/cloudnative-pg/postgresql:18.1-system-trixie
  storage:
    size: {10 + spec.index % 50}Gi
    storageClass: {STORAGE_CLASSES[0][0]}
  walStorage:
    size: {5 + spec.index % 10}Gi
    storageClass: {wal_class}
  nodeSelector: {{}}
  tolerations: []
  affinity: {{}}

image:
  repository: harbor.m0sh1.cc/apps/{spec.name}
  tag: v1.{spec.index}.0
  pullPolicy: IfNotPresent

service:
  port: {3000 + spec.index % 1000}

resources:
  requests:
    cpu: 100m
    memory: 256Mi
  limits:
    memory: 1Gi

persistence:
  enabled: true
  storageClassName: "{data_class}"
  accessMode: ReadWriteOnce
  size: {1 + spec.index % 100}Gi

{spec.name.split("-")[0]}:
  fullnameOverride: {spec.name}
  existingSecret: {spec.name}-postgres-auth
  ingress:
    enabled: true
    className: traefik
    hosts:
      - {spec.name}.m0sh1.cc
"""


def postgres_template(spec: ChartSpec) -> str:
    wal_default = STALE[spec.index % len(STALE)] if spec.stale == "default" else STORAGE_CLASSES[1][0]
    return f"""{{{{- if .Values.postgresql.enabled }}}}
# Per-app CloudNativePG cluster for {spec.name}.
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: {{{{ .Release.Name }}}}-postgres
  namespace: {{{{ .Release.Namespace }}}}
  labels:
    {{{{- include "{spec.name}.labels" . | nindent 4 }}}}
    app.kubernetes.io/component: database
spec:
  instances: {{{{ .Values.postgresql.instances | default 1 }}}}
  imageName: {{{{ .Values.postgresql.imageName }}}}
  primaryUpdateStrategy: unsupervised
  storage:
    size: {{{{ .Values.postgresql.storage.size | default "40Gi" }}}}
    storageClass: {{{{ .Values.postgresql.storage.storageClass | default "{STORAGE_CLASSES[0][0]}" }}}}
  walStorage:
    size: {{{{ .Values.postgresql.walStorage.size | default "10Gi" }}}}
    storageClass: {{{{ .Values.postgresql.walStorage.storageClass | default "{wal_default}" }}}}
  bootstrap:
    initdb:
      database: {spec.name.replace("-", "_")}
      owner: {spec.name.replace("-", "_")}
      secret:
        name: {spec.name}-postgres-auth
  affinity:
    enablePodAntiAffinity: true
    topologyKey: kubernetes.io/hostname
    {{{{- with .Values.postgresql.nodeSelector }}}}
    nodeSelector:
      {{{{- toYaml . | nindent 6 }}}}
    {{{{- end }}}}
    {{{{- with .Values.postgresql.tolerations }}}}
    tolerations:
      {{{{- toYaml . | nindent 6 }}}}
    {{{{- end }}}}
  postgresql:
    parameters:
      max_connections: "200"
      shared_buffers: "256MB"
      effective_cache_size: "1GB"
      work_mem: "2621kB"
{{{{- end }}}}
"""


def pvc_template(spec: ChartSpec) -> str:
    extra = ""
    if spec.stale == "literal":
        extra = f"""---
# Cache volume with a literal (stale) class, like harbor's templates/pvc.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {spec.name}-cache
  namespace: {{{{ .Release.Namespace }}}}
  annotations:
    helm.sh/resource-policy: keep
spec:
  storageClassName: {STALE[spec.index % len(STALE)]}
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 5Gi
"""
    return f"""{{{{- if .Values.persistence.enabled }}}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{{{ .Chart.Name }}}}-data
  namespace: {{{{ .Release.Namespace }}}}
  labels:
    {{{{- include "{spec.name}.labels" . | nindent 4 }}}}
  annotations:
    helm.sh/resource-policy: keep
spec:
  storageClassName: {{{{ .Values.persistence.storageClassName | quote }}}}
  accessModes:
    - {{{{ .Values.persistence.accessMode }}}}
  resources:
    requests:
      storage: {{{{ .Values.persistence.size }}}}
{{{{- end }}}}
{extra}"""


def deployment_template(spec: ChartSpec) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ .Chart.Name }}}}
  namespace: {{{{ .Release.Namespace }}}}
  labels:
    {{{{- include "{spec.name}.labels" . | nindent 4 }}}}
spec:
  replicas: 1
  strategy:
    type: Recreate
  selector:
    matchLabels:
      {{{{- include "{spec.name}.selectorLabels" . | nindent 6 }}}}
  template:
    metadata:
      labels:
        {{{{- include "{spec.name}.selectorLabels" . | nindent 8 }}}}
    spec:
      containers:
        - name: {spec.name}
          image: "{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag }}}}"
          imagePullPolicy: {{{{ .Values.image.pullPolicy }}}}
          ports:
            - name: http
              containerPort: {{{{ .Values.service.port }}}}
          env:
            - name: DATABASE_HOST
              value: {{{{ .Release.Name }}}}-postgres-rw.{{{{ .Release.Namespace }}}}.svc.cluster.local
          resources:
            {{{{- toYaml .Values.resources | nindent 12 }}}}
          volumeMounts:
            - name: data
              mountPath: /app/data
      volumes:
        - name: data
          {{{{- if .Values.persistence.enabled }}}}
          persistentVolumeClaim:
            claimName: {{{{ .Chart.Name }}}}-data
          {{{{- else }}}}
          emptyDir: {{}}
          {{{{- end }}}}
"""


def write_chart(root: Path, spec: ChartSpec) -> None:
    base = spec.path
    write(root, f"{base}/Chart.yaml", chart_yaml(spec))
    write(root, f"{base}/values.yaml", values_yaml(spec))
    write(root, f"{base}/templates/_helpers.tpl", labels_helper(spec.name, part_of=spec.name))
    write(root, f"{base}/templates/postgres-cluster.yaml", postgres_template(spec))
    write(root, f"{base}/templates/pvc.yaml", pvc_template(spec))
    write(root, f"{base}/templates/deployment.yaml", deployment_template(spec))
    where = "disabled" if spec.disabled else "apps"
    comment = (
        f"# Disabled: {spec.name} is parked. Move back to argocd/apps/{spec.group}/ to enable.\n"
        if spec.disabled
        else ""
    )
    wave = (-15 if spec.group == "cluster" else 10) + spec.index % 10
    write(
        root,
        f"argocd/{where}/{spec.group}/{spec.name}.yaml",
        application(spec.name, base, spec.namespace, wave, helm=True, comment=comment),
    )


def generate_repo(root: Path, n: int) -> list[ChartSpec]:
    """Write a synthetic GitOps repo of N wrapper charts under `root` (created if missing)."""
    root.mkdir(parents=True, exist_ok=True)
    specs = chart_specs(n)
    write_config(root)
    write_storage_chart(root)
    write_secrets(root, specs)
    for spec in specs:
        write_chart(root, spec)
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(root)], check=False)
    return specs


# --------------------------------------------------------------------------- measurement


class LinterFailed(RuntimeError):
    """The linter exited 2 (or died on a signal): the benchmark stops."""


@dataclass(frozen=True)
class RunResult:
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    exit_code: int
    findings: int


@dataclass(frozen=True)
class Summary:
    charts: int
    median_s: float
    min_s: float
    cpu_median_s: float
    peak_rss_mb: float
    findings: int
    exit_code: int

    @property
    def ms_per_chart(self) -> float:
        return 1000.0 * self.median_s / self.charts


def default_cmd() -> list[str]:
    here = Path(sys.executable).parent / "m0sh1-lint"
    if here.exists():
        return [str(here)]
    found = shutil.which("m0sh1-lint")
    if found:
        return [found]
    raise SystemExit("bench: m0sh1-lint not found next to sys.executable or on PATH; pass --cmd")


def maxrss_mb(ru_maxrss: int) -> float:
    """ru_maxrss is KiB on Linux, bytes on macOS."""
    return ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else ru_maxrss / 1024


def run_once(cmd: Sequence[str], repo: Path) -> RunResult:
    """One lint in a fresh child; os.wait4 gives that child's own rusage."""
    argv = [*cmd, "--root", str(repo), str(repo), "--format", "json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=as_installed())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen quiet
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code not in (0, 1):
        raise LinterFailed(f"`{shlex.join(argv)}` exited {code}\n--- stderr ---\n{stderr}")
    return RunResult(wall, usage.ru_utime + usage.ru_stime, maxrss_mb(usage.ru_maxrss), code, count_findings(stdout))


def as_installed() -> dict[str, str]:
    """The environment, but with Python allowed to keep compiled bytecode, as an installed linter
    has (pip compiles it; an editable install writes it on first import): some sandboxes set
    PYTHONDONTWRITEBYTECODE, which would make every run compile the linter anew (~0.2 s)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def count_findings(stdout: str) -> int:
    try:
        return len(json.loads(stdout)["findings"])
    except (ValueError, KeyError, TypeError) as exc:
        raise LinterFailed(f"unparseable JSON output ({exc}):\n{stdout[:2000]}") from exc


def measure(cmd: Sequence[str], repo: Path, charts: int, repeat: int) -> Summary:
    run_once(cmd, repo)  # warm-up: page cache, .pyc files
    runs = [run_once(cmd, repo) for _ in range(repeat)]
    walls = [r.wall_s for r in runs]
    return Summary(
        charts=charts,
        median_s=statistics.median(walls),
        min_s=min(walls),
        cpu_median_s=statistics.median(r.cpu_s for r in runs),
        peak_rss_mb=max(r.maxrss_mb for r in runs),
        findings=runs[-1].findings,
        exit_code=runs[-1].exit_code,
    )


def profile_in_process(repo: Path, top: int = PROFILE_TOP) -> None:
    """One lint in this process under cProfile; the top functions by cumulative time go to stderr."""
    try:
        from linter.cli import main
    except ImportError as exc:
        raise SystemExit(f"bench: --profile needs the linter importable from {sys.executable} ({exc})") from None
    profiler = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()):
        profiler.enable()
        code = main(["lint", "--root", str(repo), "--format", "json", str(repo)])
        profiler.disable()
    print(f"\n== cProfile, {repo.name}, in-process exit code {code}, top {top} by cumulative time ==", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(top)


# --------------------------------------------------------------------------- reporting


PARSE_FLOOR = """
import os, sys, time, yaml
start = time.perf_counter()
documents = 0
for dirpath, dirnames, filenames in os.walk(sys.argv[1]):
    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    for name in filenames:
        if name.endswith((".yaml", ".yml")):
            try:
                with open(os.path.join(dirpath, name), encoding="utf-8") as stream:
                    documents += sum(1 for _ in yaml.load_all(stream, Loader=yaml.CSafeLoader))
            except (yaml.YAMLError, UnicodeDecodeError, OSError):
                pass  # the linter reports these; the floor only counts what parses
print(documents, time.perf_counter() - start)
"""
REAL_REPO_RATIO = 8.0


@dataclass(frozen=True)
class RepoSummary:
    repo: Path
    lint_s: float
    floor_s: float  # the parse-only process, wall time
    parse_s: float  # inside it, the parsing alone
    documents: int
    peak_rss_mb: float
    findings: int

    @property
    def ratio(self) -> float:
        return self.lint_s / self.floor_s if self.floor_s else float("inf")


def parse_floor(repo: Path) -> tuple[float, float, int]:
    """(process wall time, parse time inside it, documents) of parsing every YAML file of `repo`."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PARSE_FLOOR, str(repo)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    documents, parse_s = done.stdout.split()
    return wall, float(parse_s), int(documents)


def measure_repo(cmd: Sequence[str], repo: Path, repeat: int) -> RepoSummary:
    run_once(cmd, repo)
    runs = [run_once(cmd, repo) for _ in range(repeat)]
    parse_floor(repo)
    floors = [parse_floor(repo) for _ in range(repeat)]
    return RepoSummary(
        repo,
        statistics.median(r.wall_s for r in runs),
        statistics.median(f[0] for f in floors),
        statistics.median(f[1] for f in floors),
        floors[-1][2],
        max(r.maxrss_mb for r in runs),
        runs[-1].findings,
    )


def repo_table(rows: Sequence[RepoSummary]) -> str:
    header = (
        f"{'repository':<28} {'docs':>6} {'lint s':>7} {'floor s':>8} {'parse s':>8} {'ratio':>6} "
        f"{'RSS MB':>7} {'findings':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.repo.name[:28]:<28} {r.documents:>6} {r.lint_s:>7.3f} {r.floor_s:>8.3f} {r.parse_s:>8.3f} "
            f"{r.ratio:>5.1f}x {r.peak_rss_mb:>7.1f} {r.findings:>8}"
        )
    return "\n".join(lines)


def table(rows: Sequence[Summary]) -> str:
    header = (
        f"{'charts':>7} {'median s':>9} {'min s':>7} {'cpu s':>7} {'ms/chart':>9} {'peak RSS MB':>12} "
        f"{'findings':>9} {'exit':>5}"
    )
    lines = [header, "-" * len(header)]
    for s in rows:
        lines.append(
            f"{s.charts:>7} {s.median_s:>9.3f} {s.min_s:>7.3f} {s.cpu_median_s:>7.3f} {s.ms_per_chart:>9.2f} "
            f"{s.peak_rss_mb:>12.1f} {s.findings:>9} {s.exit_code:>5}"
        )
    return "\n".join(lines)


def verdict(rows: Sequence[Summary]) -> tuple[bool, str]:
    misses = []
    for s in rows:
        target = TIME_TARGETS_S.get(s.charts)
        if target is not None and s.median_s > target:
            misses.append(f"N={s.charts} median {s.median_s:.2f}s > {target:g}s")
        if s.peak_rss_mb > RSS_TARGET_MB:
            misses.append(f"N={s.charts} peak RSS {s.peak_rss_mb:.0f}MB > {RSS_TARGET_MB:g}MB")
    targets = ", ".join(f"N={n} <= {t:g}s" for n, t in TIME_TARGETS_S.items()) + f", RSS <= {RSS_TARGET_MB:g}MB"
    return (
        not misses,
        f"verdict: {'PASS' if not misses else 'FAIL'} ({targets})" + (": " + "; ".join(misses) if misses else ""),
    )


# --------------------------------------------------------------------------- CLI


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charts", default="60,600", help="comma-separated chart counts (default: 60,600)")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per N after one warm-up (default: 5)")
    parser.add_argument("--keep", metavar="DIR", help="generate repos into DIR/charts-N and keep them")
    parser.add_argument("--cmd", help="linter command (default: m0sh1-lint next to sys.executable)")
    parser.add_argument("--profile", action="store_true", help="also profile one in-process lint per N (stderr)")
    parser.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="DIR",
        help="time a real repository against its PyYAML parse floor instead (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        args.charts = [int(c) for c in args.charts.split(",") if c.strip()]
    except ValueError:
        parser.error("--charts takes comma-separated integers")
    if not args.charts or min(args.charts) < 1 or args.repeat < 1:
        parser.error("--charts values and --repeat must be >= 1")
    return args


@contextlib.contextmanager
def repo_dir(keep: str | None, charts: int) -> Iterator[Path]:
    if keep:
        path = Path(keep).resolve() / f"charts-{charts}"
        if path.exists():
            shutil.rmtree(path)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=f"m0sh1-bench-{charts}-") as tmp:
        yield Path(tmp)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cmd = shlex.split(args.cmd) if args.cmd else default_cmd()
    if args.repo:
        measured = [measure_repo(cmd, Path(repo).resolve(), args.repeat) for repo in args.repo]
        print(repo_table(measured))
        slow = [r for r in measured if r.ratio > REAL_REPO_RATIO]
        print(f"verdict: {'PASS' if not slow else 'FAIL'} (lint <= {REAL_REPO_RATIO:g}x the parse floor)")
        return 0 if not slow else 1
    rows: list[Summary] = []
    for charts in args.charts:
        with repo_dir(args.keep, charts) as repo:
            specs = generate_repo(repo, charts)
            stale = sum(1 for s in specs if s.stale)
            disabled = sum(1 for s in specs if s.disabled)
            print(f"N={charts}: {repo} ({disabled} disabled, {stale} stale)", file=sys.stderr, flush=True)
            try:
                rows.append(measure(cmd, repo, charts, args.repeat))
            except LinterFailed as exc:
                print(f"bench: linter failed on N={charts}: {exc}", file=sys.stderr)
                if args.keep:
                    print(f"bench: tree kept at {repo}", file=sys.stderr)
                return 2
            if args.profile:
                profile_in_process(repo)
    print(table(rows))
    ok, line = verdict(rows)
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
