"""Build a local HTTP Helm chart repository that mirrors the upstream charts the corpus needs.

The corpus's `mirror` mode (see README.md beside this script) renders every remote chart the
corpus repositories ask for, from a copy served on 127.0.0.1 instead of the real chart
repositories. This script makes that copy from the upstream charts' own git repositories, which
the `fetch` tool brings onto the machine as bare git directories (default
/work/.mirror/<owner>+<name>/repo, or /work/.mirror/<owner>+<name> itself):

  1. What is wanted: `m0sh1-lint charts list --root CHECKOUT CHECKOUT` for each corpus checkout
     (benchmarks/corpus/repos.yaml, checked out by run.py under ~/.cache/m0sh1-lint-corpus/<name>),
     one line per chart: "`NAME` from URL VERSION" or "oci://HOST/PATH/NAME VERSION".
  2. Where it comes from: SOURCES below maps (repository URL, chart name) to a GitHub repository
     and the chart's directory in it. The version is taken from the newest commit whose Chart.yaml
     has it (branches and tags first, then any other ref the snapshot holds); for TAGGED
     repositories, whose release tooling sets the version at build time, from the release tag.
     PREBUILT repositories hold packaged archives, which are copied as they are.
  3. The chart directory at that commit is exported (symlinks resolved), its dependencies are
     vendored into charts/ the same way (file:// ones from the same commit), and it is packaged
     with Helm in process (helm_python). One index.yaml per upstream repository.

Every chart ends up as one of:
  exact         the snapshot has the version (or, for a constraint, the version Helm would pick);
  re-versioned  the snapshot lacks it: the newest version there is packaged under the wanted
                version (report.json and the summary give the real source version);
  skipped       no source, no snapshot, a dependency that cannot be had, a Helm error (with why).

Output, in --out (default /tmp/upstream; never inside this project):
  http/<slug>/{*.tgz,index.yaml}   one directory per upstream repository URL (slug: the URL
                                   without scheme, other characters than [A-Za-z0-9._-] as `_`)
  mirrors.yaml                     a m0sh1-lint config fragment: charts.mirrors from each upstream
                                   URL to http://127.0.0.1:PORT/<slug>
  report.json                      every chart with its status, source and dependencies
  work/                            the exported chart directories (rebuilt on every run)

Run (from the repository root, with the venv the linter is installed in):

    .venv/bin/python benchmarks/corpus/chart_mirror.py                       # build /tmp/upstream
    .venv/bin/python benchmarks/corpus/chart_mirror.py --only cert-manager --only charts.jetstack.io
    .venv/bin/python benchmarks/corpus/chart_mirror.py --out /tmp/mirror2 --port 8880 --serve

Options: --out DIR  --mirrors DIR (where the fetched snapshots live; also $M0SH1_CORPUS_MIRRORS)
--workdir DIR (parent of the corpus checkouts, as run.py's)  --port N (default 8879; only used in
the URLs written to mirrors.yaml and by --serve)  --only NAME (a chart name or a repository slug,
repeatable: rebuild just those; the other entries of an existing report.json are kept)
--serve (after building, serve http/ on 127.0.0.1:PORT in the foreground, as
`python -m http.server PORT --bind 127.0.0.1 --directory OUT/http` would).

A snapshot SOURCES names but nobody fetched is reported with the `fetch github:owner/name` call to
make, and the rest is built. Exit status: 0 after a build (skipped charts are reported, not
failed), 1 when some snapshot SOURCES names is missing (the fetch calls are printed), 2 on a
setup error (a checkout missing, `charts list` failing, --out inside the project).

Needs the fetched snapshots and the corpus checkouts, so it is never run by the test suite.
Nothing it fetches or builds is ever written inside this project. Stdlib, PyYAML and helm_python.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import helm_python
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from run import DEFAULT_MIRRORS, DEFAULT_REPOS, DEFAULT_WORKDIR, SetupError, load_repos

from linter.core import semver

PROJECT = Path(__file__).resolve().parent.parent.parent
DEFAULT_OUT = Path("/tmp/upstream")
DEFAULT_PORT = 8879
RELEASE_TAG = re.compile(r"v?\d+\.\d+\.\d+")
# Placeholders release tooling fills in at build time (cert-manager, rook, strimzi, …).
TAG_PLACEHOLDERS = ("{{IMAGE_TAG}}", "{{VERSION}}", "{{RELEASE_VERSION}}")
TEXT_SUFFIXES = (".yaml", ".tpl", ".json", ".txt", ".md")


# --------------------------------------------------------------------------------------------
# Where the charts come from
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A chart's home in git: the GitHub repository (`owner/name`) and the chart's directory."""

    github: str
    path: str


SOURCES: dict[tuple[str, str], Source] = {}


def _add(url: str, names: str, github: str, path: str = "charts/{name}") -> None:
    """SOURCES entries for the space-separated chart `names` of `url`; `{name}` in `path` is each."""
    for name in names.split():
        SOURCES[(url.rstrip("/"), name)] = Source(github, path.format(name=name))


_add(
    "https://argoproj.github.io/argo-helm",
    "argo-cd argocd-apps argocd-image-updater argo-events argo-workflows",
    "argoproj/argo-helm",
)
for _url in ("https://prometheus-community.github.io/helm-charts", "oci://ghcr.io/prometheus-community/charts"):
    _add(
        _url,
        "kube-prometheus-stack kube-state-metrics prometheus-node-exporter prometheus-windows-exporter prometheus "
        "alertmanager prometheus-pushgateway prometheus-blackbox-exporter prometheus-operator-crds",
        "prometheus-community/helm-charts",
    )
_add(
    "https://grafana.github.io/helm-charts",
    "grafana loki-stack loki promtail tempo fluent-bit grafana-agent grafana-agent-operator rollout-operator "
    "loki-canary enterprise-logs",
    "grafana/helm-charts",
)
_add("https://grafana.github.io/helm-charts", "alloy", "grafana/alloy", "operations/helm/charts/{name}")
# grafana handed some charts to a community-run repository with its own URL
for _url in ("https://grafana-community.github.io/helm-charts", "oci://ghcr.io/grafana-community/helm-charts"):
    _add(_url, "grafana loki tempo promtail grafana-mcp", "grafana-community/helm-charts")
_add("https://charts.jetstack.io", "cert-manager", "cert-manager/cert-manager", "deploy/charts/{name}")
for _url in ("https://charts.jetstack.io", "oci://quay.io/jetstack/charts"):
    _add(_url, "trust-manager", "cert-manager/trust-manager", "deploy/charts/{name}")
_add("https://charts.jetstack.io", "version-checker", "jetstack/version-checker", "deploy/charts/{name}")
for _url in ("https://charts.external-secrets.io", "oci://ghcr.io/external-secrets/charts"):
    _add(_url, "external-secrets", "external-secrets/external-secrets", "deploy/charts/{name}")
_add(
    "oci://ghcr.io/external-secrets/charts",
    "bitwarden-sdk-server",
    "external-secrets/bitwarden-sdk-server",
    "deploy/charts/{name}",
)
_add("https://kubernetes-sigs.github.io/external-dns", "external-dns", "kubernetes-sigs/external-dns")
# developed in longhorn/longhorn (`chart/`), which has every version; longhorn/charts lags behind
_add("https://charts.longhorn.io", "longhorn", "longhorn/longhorn", "chart")
_add("https://kubernetes.github.io/ingress-nginx", "ingress-nginx", "kubernetes/ingress-nginx")
_add("https://charts.dexidp.io", "dex", "dexidp/helm-charts")
for _url in ("https://falcosecurity.github.io/charts", "oci://ghcr.io/falcosecurity/charts"):
    _add(_url, "falco falcosidekick k8s-metacollector falco-talon event-generator", "falcosecurity/charts")
for _url in ("https://cloudnative-pg.github.io/charts", "oci://ghcr.io/cloudnative-pg/charts"):
    _add(_url, "cloudnative-pg cluster plugin-barman-cloud", "cloudnative-pg/charts")
_add("https://cloudnative-pg.github.io/grafana-dashboards", "cluster", "cloudnative-pg/grafana-dashboards")
# bjw-s-labs is the renamed bjw-s; both URLs still appear in the corpus
for _url in (
    "https://bjw-s-labs.github.io/helm-charts",
    "https://bjw-s.github.io/helm-charts",
    "oci://ghcr.io/bjw-s-labs/helm",
):
    _add(_url, "app-template", "bjw-s-labs/helm-charts", "charts/other/{name}")
    _add(_url, "common", "bjw-s-labs/helm-charts", "charts/library/{name}")
for _url in ("https://charts.bitnami.com/bitnami", "oci://registry-1.docker.io/bitnamicharts"):
    _add(
        _url,
        "common redis postgresql valkey mariadb mysql memcached minio clickhouse zookeeper kafka elasticsearch "
        "mongodb rabbitmq etcd cassandra keydb external-dns kubernetes-event-exporter thanos",
        "bitnami/charts",
        "bitnami/{name}",
    )
# a fork that keeps publishing Bitnami's library chart
_add("oci://ghcr.io/defenseunicorns/bitferno", "common", "defenseunicorns/bitferno", "bitnami/{name}")
_add(
    "https://open-telemetry.github.io/opentelemetry-helm-charts",
    "opentelemetry-collector opentelemetry-operator",
    "open-telemetry/opentelemetry-helm-charts",
)
_add("https://docs.renovatebot.com/helm-charts", "renovate", "renovatebot/helm-charts")
for _url in ("https://piraeus.io/helm-charts", "oci://ghcr.io/piraeusdatastore/helm-charts"):
    _add(_url, "snapshot-controller", "piraeusdatastore/helm-charts")
_add("https://coroot.github.io/helm-charts", "coroot coroot-ce node-agent clickhouse-operator", "coroot/helm-charts")
_add("https://coroot.github.io/helm-charts", "coroot-operator", "coroot/helm-charts", "charts/operator")
for _url in ("https://bitnami-labs.github.io/sealed-secrets", "https://bitnami.github.io/sealed-secrets"):
    _add(_url, "sealed-secrets", "bitnami-labs/sealed-secrets", "helm/{name}")
_add("https://traefik.github.io/charts", "traefik", "traefik/traefik-helm-chart", "traefik")
for _url in ("https://kyverno.github.io/kyverno", "oci://ghcr.io/kyverno/charts"):
    _add(_url, "kyverno kyverno-policies", "kyverno/kyverno")
for _url in ("https://kyverno.github.io/policy-reporter", "oci://ghcr.io/kyverno/charts"):
    _add(_url, "policy-reporter", "kyverno/policy-reporter")
_add("https://vmware-tanzu.github.io/helm-charts", "velero", "vmware-tanzu/helm-charts")
_add("https://kubernetes-sigs.github.io/descheduler", "descheduler", "kubernetes-sigs/descheduler")
_add("https://kubernetes-sigs.github.io/metrics-server", "metrics-server", "kubernetes-sigs/metrics-server")
# home-operations/charts-mirror republishes upstream charts as they are
for _url in ("https://kubernetes-sigs.github.io/headlamp", "oci://ghcr.io/home-operations/charts-mirror"):
    _add(_url, "headlamp", "kubernetes-sigs/headlamp")
for _url in ("https://kubernetes-sigs.github.io/node-feature-discovery/charts", "oci://registry.k8s.io/nfd/charts"):
    _add(_url, "node-feature-discovery", "kubernetes-sigs/node-feature-discovery", "deployment/helm/{name}")
_add("https://kedacore.github.io/charts", "keda", "kedacore/charts", "keda")
for _url in ("https://stakater.github.io/stakater-charts", "oci://ghcr.io/stakater/charts"):
    _add(_url, "reloader", "stakater/Reloader", "deployments/kubernetes/chart/{name}")
_add("https://charts.rook.io/release", "rook-ceph rook-ceph-cluster", "rook/rook", "deploy/charts/{name}")
_add("oci://ghcr.io/locmai", "glance secret-generator", "locmai/charts")
_add("https://locmai.github.io/charts", "cilium-monitor excalidraw jaeger elementweb", "locmai/charts")
_add("https://dandydeveloper.github.io/charts", "redis-ha", "DandyDeveloper/charts")
_add("https://helm.elastic.co", "filebeat logstash elasticsearch", "elastic/helm-charts", "{name}")
_add("https://1password.github.io/connect-helm-charts", "connect", "1Password/connect-helm-charts")
_add("https://open-policy-agent.github.io/gatekeeper/charts", "gatekeeper", "open-policy-agent/gatekeeper")
_add("https://charts.goauthentik.io", "authentik authentik-remote-cluster", "goauthentik/helm")
for _url in ("https://victoriametrics.github.io/helm-charts", "oci://ghcr.io/victoriametrics/helm-charts"):
    _add(
        _url,
        "victoria-logs-single victoria-metrics-common victoria-metrics-agent victoria-metrics-single "
        "victoria-metrics-k8s-stack victoria-metrics-operator victoria-metrics-operator-crds",
        "VictoriaMetrics/helm-charts",
    )
for _url in ("https://opencost.github.io/opencost-helm-chart", "oci://ghcr.io/opencost/charts"):
    _add(_url, "opencost", "opencost/opencost-helm-chart")
for _url in ("http://jameswynn.github.io/helm-charts", "https://jameswynn.github.io/helm-charts"):
    _add(_url, "homepage", "jameswynn/helm-charts")
_add("https://zapier.github.io/kubechecks", "kubechecks", "zapier/kubechecks")
_add("oci://ghcr.io/sergelogvinov/charts", "proxmox-csi-plugin", "sergelogvinov/proxmox-csi-plugin")
for _url in ("https://aquasecurity.github.io/helm-charts", "oci://ghcr.io/aquasecurity/helm-charts"):
    _add(_url, "trivy-operator", "aquasecurity/trivy-operator", "deploy/helm")
_add("https://helm.vector.dev", "vector", "vectordotdev/helm-charts")
_add(
    "https://strimzi.io/charts",
    "strimzi-kafka-operator",
    "strimzi/strimzi-kafka-operator",
    "packaging/helm-charts/helm3/{name}",
)
# the CSI drivers keep one directory per released version: these are the versions the corpus pins
_add(
    "https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts",
    "csi-driver-nfs",
    "kubernetes-csi/csi-driver-nfs",
    "charts/v4.13.4/{name}",
)
_add(
    "https://raw.githubusercontent.com/kubernetes-csi/csi-driver-smb/master/charts",
    "csi-driver-smb",
    "kubernetes-csi/csi-driver-smb",
    "charts/v1.20.3/{name}",
)
_add("https://go.temporal.io/helm-charts", "temporal", "temporalio/helm-charts")
_add(
    "oci://docker.io/temporalio",
    "temporal-worker-controller temporal-worker-controller-crds",
    "temporalio/temporal-worker-controller",
    "helm/{name}",
)
_add("https://keephq.github.io/helm-charts", "keep", "keephq/helm-charts")
_add("https://backube.github.io/helm-charts", "volsync", "backube/volsync", "helm/{name}")
for _url in ("https://kubereboot.github.io/charts", "oci://ghcr.io/kubereboot/charts"):
    _add(_url, "kured", "kubereboot/charts")
_add("https://woodpecker-ci.org", "woodpecker", "woodpecker-ci/helm")
_add("http://zotregistry.dev/helm-charts", "zot", "project-zot/helm-charts")
_add("https://immich-app.github.io/immich-charts", "immich", "immich-app/immich-charts")
_add("https://charts.authelia.com", "authelia", "authelia/chartrepo")
_add("https://khuedoan.github.io/charts", "cloudflared", "khuedoan/charts")
# reachable as repository .../library + chart n8n only; Argo CD's `chart: library/n8n` is not (see README)
_add("oci://8gears.container-registry.com/library", "n8n", "8gears/n8n-helm-chart")
_add(
    "https://kubernetes.github.io/autoscaler",
    "vertical-pod-autoscaler",
    "kubernetes/autoscaler",
    "vertical-pod-autoscaler/charts/{name}",
)
_add("https://langfuse.github.io/langfuse-k8s", "langfuse", "langfuse/langfuse-k8s")
_add("https://charts.openproject.org", "openproject", "opf/helm-charts")
_add("https://helm.ngc.nvidia.com/nvidia", "gpu-operator", "NVIDIA/gpu-operator", "deployments/{name}")
_add("https://robusta-charts.storage.googleapis.com", "holmes", "robusta-dev/holmesgpt", "helm/{name}")
_add("https://matrix-org.github.io/dendrite", "dendrite", "matrix-org/dendrite", "helm/{name}")
_add("https://charts.min.io", "minio", "minio/minio", "helm/{name}")
_add("https://datahub-local.github.io/garage-helm", "garage", "datahub-local/garage-helm", "{name}")
for _url in ("https://fluent.github.io/helm-charts", "oci://ghcr.io/fluent/helm-charts"):
    _add(_url, "fluent-bit fluentd fluent-operator", "fluent/helm-charts")
for _url in ("https://oauth2-proxy.github.io/manifests", "oci://ghcr.io/oauth2-proxy/charts"):
    _add(_url, "oauth2-proxy", "oauth2-proxy/manifests", "helm/{name}")
_add(
    "oci://ghcr.io/k8s-at-our-homes/helm-charts",
    "adguard csi-addons cyberchef dawarich gatus generic-device-plugin home-assistant immich mealie "
    "plugin-barman-cloud",
    "k8s-at-our-homes/helm-charts",
)
_add("https://twin.github.io/helm-charts", "gatus", "TwiN/helm-charts")
_add(
    "https://ceph.github.io/ceph-csi-operator",
    "ceph-csi-operator ceph-csi-drivers",
    "ceph/ceph-csi-operator",
    "deploy/charts/{name}",
)
_add("https://nextcloud.github.io/helm", "nextcloud", "nextcloud/helm")
for _url in ("https://charts.deliveryhero.io", "oci://ghcr.io/deliveryhero/helm-charts"):
    _add(_url, "node-problem-detector", "deliveryhero/helm-charts", "stable/{name}")
_add("https://coredns.github.io/helm", "coredns", "coredns/helm")
_add("https://smallstep.github.io/helm-charts", "step-certificates step-issuer", "smallstep/helm-charts", "{name}")
_add("oci://docker.io/envoyproxy", "gateway-helm gateway-addons-helm gateway-crds-helm", "envoyproxy/gateway")
_add("https://guerzon.github.io/vaultwarden", "vaultwarden", "guerzon/vaultwarden")
_add("oci://ghcr.io/mkilchhofer/unifi-chart", "unifi", "mkilchhofer/unifi-chart")
_add(
    "https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner",
    "nfs-subdir-external-provisioner",
    "kubernetes-sigs/nfs-subdir-external-provisioner",
)
_add("https://metallb.github.io/metallb", "metallb", "metallb/metallb")
_add("https://valkey.io/valkey-helm", "valkey", "valkey-io/valkey-helm", "{name}")
_add("https://openbao.github.io/openbao-helm", "openbao", "openbao/openbao-helm")
_add("https://charts.fairwinds.com/stable", "vpa", "FairwindsOps/charts", "stable/{name}")
_add("https://helm.mittwald.de", "kubernetes-replicator", "mittwald/kubernetes-replicator", "deploy/helm-chart/{name}")
_add("https://helm.goharbor.io", "harbor", "goharbor/harbor-helm", ".")
_add("https://sablierapp.github.io/helm-charts", "sablier", "sablierapp/helm-charts")
_add("https://zekker6.github.io/helm-charts", "changedetection-io", "zekker6/helm-charts", "charts/apps/{name}")
_add("https://zekker6.github.io/helm-charts", "common", "zekker6/helm-charts", "charts/library/{name}")
_add(
    "https://fjogeleit.github.io/trivy-operator-polr-adapter",
    "trivy-operator-polr-adapter",
    "fjogeleit/trivy-operator-polr-adapter",
)
_add("https://repos.emqx.io/charts", "emqx-operator", "emqx/emqx-operator", "deploy/charts/{name}")
_add("https://anza-labs.github.io/charts", "pocket-id", "anza-labs/charts")
_add("https://gomods.github.io/athens-charts", "athens-proxy", "gomods/athens-charts")
_add("https://ealenn.github.io/charts", "echo-server", "Ealenn/charts")
_add("https://flatcar.github.io/nebraska", "nebraska", "flatcar/nebraska")
_add(
    "https://jmcgrath207.github.io/k8s-ephemeral-storage-metrics/chart",
    "k8s-ephemeral-storage-metrics",
    "jmcgrath207/k8s-ephemeral-storage-metrics",
    "chart",
)
_add("https://charts.lwolf.org", "kube-cleanup-operator", "lwolf/kube-cleanup-operator", "deploy/helm/{name}")
_add("oci://ghcr.io/dragonflydb/dragonfly-operator/helm", "dragonfly-operator", "dragonflydb/dragonfly-operator")
_add("oci://ghcr.io/siderolabs/charts", "talos-cloud-controller-manager", "siderolabs/talos-cloud-controller-manager")
_add("oci://ghcr.io/promhippie/charts", "github-exporter", "promhippie/charts", "stable/{name}")
_add("oci://ghcr.io/bakito/helm-charts", "sealed-secrets-web", "bakito/sealed-secrets-web", "chart")
_add("oci://gsoci.azurecr.io/charts/giantswarm", "silence-operator", "giantswarm/silence-operator", "helm/{name}")
_add("oci://ghcr.io/home-operations/charts", "tuppr", "home-operations/tuppr")
_add("oci://ghcr.io/florisfeddema/charts", "extended-ceph-exporter", "FlorisFeddema/extended-ceph-exporter")
# the retired Helm stable/incubator repositories, still named by old charts' dependencies
for _url in ("https://charts.helm.sh/stable", "https://kubernetes-charts.storage.googleapis.com"):
    _add(_url, "mariadb", "helm/charts", "stable/{name}")
_add("https://charts.helm.sh/stable", "wordpress", "helm/charts", "stable/{name}")
_add("https://charts.helm.sh/incubator", "cassandra", "helm/charts", "incubator/{name}")

# Chart.yaml's version/appVersion are placeholders set from the release tag by the release tooling.
TAGGED = frozenset(
    {
        "cert-manager/cert-manager",
        "rook/rook",
        "kubernetes-sigs/node-feature-discovery",
        "strimzi/strimzi-kafka-operator",
        "NVIDIA/gpu-operator",
        "external-secrets/bitwarden-sdk-server",
        "cert-manager/trust-manager",
        "envoyproxy/gateway",
        "ceph/ceph-csi-operator",
        "bakito/sealed-secrets-web",
    }
)
# node-feature-discovery's release sets only the chart version; appVersion is right at the tag
KEEPS_APP_VERSION = frozenset({"kubernetes-sigs/node-feature-discovery"})
# TAGGED repositories whose release tooling writes values.yaml from values.tmpl.yaml (envsubst):
# the variables it sets, `{tag}` being the release tag
VALUES_TEMPLATES: dict[str, dict[str, str]] = {
    "envoyproxy/gateway": {
        "GatewayImage": "docker.io/envoyproxy/gateway:{tag}",
        "GatewayImagePullPolicy": "IfNotPresent",
    },
}

# (repository URL, chart name) -> (GitHub repository, archive name at its HEAD): packaged charts
# committed as they were published (cilium/charts has no chart sources, only the .tgz files)
PREBUILT: dict[tuple[str, str], tuple[str, str]] = {
    ("https://helm.cilium.io", "cilium"): ("cilium/charts", "{name}-{version}.tgz"),
    ("oci://quay.io/cilium/charts", "cilium"): ("cilium/charts", "{name}-{version}.tgz"),
}


# --------------------------------------------------------------------------------------------
# What the corpus wants
# --------------------------------------------------------------------------------------------


@dataclass
class Wanted:
    """A chart the corpus asks for, and which corpus repositories ask for it."""

    url: str
    name: str
    version: str  # as written: an exact version or a constraint
    users: list[str] = field(default_factory=list)


_HTTP_LINE = re.compile(r"`(?P<name>[^`]+)` from (?P<url>\S+) ?(?P<version>.*)")
_OCI_LINE = re.compile(r"(?P<url>oci://\S+)/(?P<name>[^/\s]+) ?(?P<version>.*)")


def parse_chart_line(line: str) -> tuple[str, str, str] | None:
    """(repository URL, chart name, version) from a `m0sh1-lint charts list` line, or None."""
    match = _HTTP_LINE.fullmatch(line) or _OCI_LINE.fullmatch(line)
    if match is None:
        return None
    # an unpinned chart: Helm takes the newest
    return match["url"].rstrip("/"), match["name"], match["version"].strip() or "*"


def linter_command() -> list[str]:
    """The m0sh1-lint next to this interpreter (its venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "m0sh1-lint"
    return [str(beside) if beside.exists() else shutil.which("m0sh1-lint") or str(beside)]


def charts_wanted(workdir: Path) -> list[Wanted]:
    """Every chart the corpus checkouts ask for, with the corpus repositories that ask for it."""
    by_key: dict[tuple[str, str, str], Wanted] = {}
    for repo in load_repos(DEFAULT_REPOS):
        checkout = workdir / repo.name
        if not (checkout / ".git").exists():
            raise SetupError(f"{checkout} has no checkout (run benchmarks/corpus/run.py --repo {repo.name} first)")
        for url, name, version in _list_charts(checkout):
            entry = by_key.setdefault((url, name, version), Wanted(url, name, version))
            entry.users.append(repo.name)
    return [by_key[key] for key in sorted(by_key)]


def _list_charts(checkout: Path) -> list[tuple[str, str, str]]:
    cmd = [*linter_command(), "charts", "list", "--root", str(checkout), str(checkout)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SetupError(f"cannot run {cmd[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SetupError(f"`charts list` failed on {checkout} (exit {done.returncode}): {last}")
    charts = []
    for line in done.stdout.splitlines():
        parsed = parse_chart_line(line.strip())
        if parsed is None:
            print(f"chart_mirror.py: {checkout.name}: ignored unparsable line {line!r}", file=sys.stderr)
        else:
            charts.append(parsed)
    return charts


def slug(url: str) -> str:
    """The repository URL as one directory name: no scheme, other characters than [A-Za-z0-9._-] as `_`."""
    bare = re.sub(r"^[a-z]+://", "", url.rstrip("/"))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", bare)


# --------------------------------------------------------------------------------------------
# Reading the snapshots
# --------------------------------------------------------------------------------------------


class Skip(Exception):
    """Why a chart cannot be built (it is reported as skipped, the rest goes on)."""


# Refs a release lives on; pull-request and other refs only count for versions none of these has.
RELEASE_REFS = ("--branches", "--tags", "--remotes")
ALL_REFS = ("--all",)


class Snapshot:
    """One fetched bare git repository."""

    def __init__(self, github: str, git_dir: Path) -> None:
        self.github = github
        self.git_dir = git_dir
        self._versions: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}

    def git(self, *args: str, stdin: bytes | None = None) -> bytes:
        return subprocess.run(
            ["git", "--git-dir", str(self.git_dir), *args], input=stdin, capture_output=True, check=True
        ).stdout

    def text(self, *args: str) -> str:
        return self.git(*args).decode("utf-8", "replace")

    def versions(self, path: str, refs: tuple[str, ...]) -> dict[str, str]:
        """Chart version -> the newest commit on `refs` whose `path`/Chart.yaml (or
        Chart.template.yaml) has it; for TAGGED repositories also release tag -> its commit."""
        if (path, refs) not in self._versions:
            self._versions[path, refs] = self._read_versions(path, refs)
        return self._versions[path, refs]

    def _read_versions(self, path: str, refs: tuple[str, ...]) -> dict[str, str]:
        found: dict[str, str] = {}
        for file_name in ("Chart.yaml", "Chart.template.yaml"):
            commits = self.text("log", *refs, "--format=%H", "--", f"{path}/{file_name}").split()
            for commit, body in zip(commits, self._blobs([f"{c}:{path}/{file_name}" for c in commits]), strict=True):
                match = re.search(r"^version:\s*['\"]?([^'\"\s#]+)", body or "", re.M)
                if match and "{{" not in match.group(1):
                    found.setdefault(match.group(1), commit)
        if self.github in TAGGED:
            for tag, commit in self._release_tags().items():
                found.setdefault(tag, commit)
        return found

    def all_versions(self, path: str) -> dict[str, str]:
        """versions() over every ref, the release refs winning for a version both have."""
        return {**self.versions(path, ALL_REFS), **self.versions(path, RELEASE_REFS)}

    def _blobs(self, objects: Sequence[str]) -> list[str | None]:
        """The text of each `commit:path` (None where the commit lacks it), in one git process."""
        if not objects:
            return []
        out = self.git("cat-file", "--batch", stdin="".join(f"{o}\n" for o in objects).encode())
        texts: list[str | None] = []
        pos = 0
        for _ in objects:
            newline = out.index(b"\n", pos)
            header = out[pos:newline].decode()
            pos = newline + 1
            if header.endswith("missing"):
                texts.append(None)
                continue
            size = int(header.split()[2])
            texts.append(out[pos : pos + size].decode("utf-8", "replace"))
            pos += size + 1
        return texts

    def _release_tags(self) -> dict[str, str]:
        """Release tag (v1.2.3 / 1.2.3) -> the commit it points at (annotated tags peeled)."""
        lines = self.text("for-each-ref", "--format=%(refname:short) %(objectname) %(*objectname)", "refs/tags")
        tags: dict[str, str] = {}
        for line in lines.splitlines():
            tag, obj, *peeled = line.split()
            if RELEASE_TAG.fullmatch(tag):
                tags[tag] = peeled[0] if peeled else obj
        return tags

    def export(self, commit: str, path: str, dest: Path) -> list[str]:
        """Write `path` at `commit` to `dest`; symlinks are replaced by what they point at in the
        same commit (Helm would drop or refuse them). Returns notes on symlinks it had to drop."""
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        archive = self.git("archive", commit, path)
        depth = len(Path(path).parts)  # 0 for a chart at the repository root (".")
        subprocess.run(["tar", "-x", "-C", str(dest), f"--strip-components={depth}"], input=archive, check=True)
        notes: list[str] = []
        for link in sorted(p for p in dest.rglob("*") if p.is_symlink()):
            in_repo = Path(path) / link.relative_to(dest)
            target = link.readlink()
            link.unlink()
            resolved = normalised(in_repo.parent / target)
            if resolved is None or not self._copy_object(commit, resolved, link):
                notes.append(f"dropped symlink {in_repo} -> {target}")
        return notes

    def _copy_object(self, commit: str, path: str, dest: Path) -> bool:
        try:
            kind = self.text("cat-file", "-t", f"{commit}:{path}").strip()
            if kind == "blob":
                dest.write_bytes(self.git("show", f"{commit}:{path}"))
            else:
                self.export(commit, path, dest)
        except subprocess.CalledProcessError:
            return False
        return True


def normalised(path: Path) -> str | None:
    """`path` with `.` and `..` resolved, or None when it leaves the repository."""
    parts: list[str] = []
    for part in path.parts:
        if (part == ".." and not parts) or part == "/":
            return None
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts) if parts else None


def find_snapshot(mirrors: Path, github: str) -> Path | None:
    """The bare git directory `fetch` made for `github`: <owner>+<name>/repo, or <owner>+<name>."""
    base = mirrors / github.replace("/", "+")
    for candidate in (base / "repo", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


# --------------------------------------------------------------------------------------------
# Building the charts
# --------------------------------------------------------------------------------------------

Status = Literal["exact", "re-versioned", "skipped"]


@dataclass
class Built:
    """One chart as exported (or the reason it was not)."""

    url: str
    name: str
    wanted: str
    status: Status
    version: str | None = None  # the version it is published under
    source_version: str | None = None  # the version the source really has
    source: str | None = None  # owner/name:path@commit, or owner/name:archive for PREBUILT
    why: str | None = None
    notes: list[str] = field(default_factory=list)
    dependencies: list[Built] = field(default_factory=list)
    directory: Path | None = field(default=None, repr=False)

    def describe(self) -> str:
        if self.status == "skipped":
            return f"skipped       {self.name} {self.wanted} from {self.url}: {self.why}"
        line = f"{self.status:<13} {self.name} {self.wanted} from {self.url} -> {self.version}"
        if self.status == "re-versioned":
            line += f" (source has {self.source_version}: {self.source})"
        return line


class Builder:
    """Exports charts from the snapshots into `work`, each (URL, name, wanted version) once."""

    def __init__(self, mirrors: Path, work: Path) -> None:
        self.mirrors = mirrors
        self.work = work
        self.snapshots: dict[str, Snapshot] = {}
        self.prepared: dict[tuple[str, str, str], Built] = {}
        self.missing: set[str] = set()  # GitHub repositories SOURCES names but nobody fetched

    def snapshot(self, github: str) -> Snapshot:
        if github not in self.snapshots:
            git_dir = find_snapshot(self.mirrors, github)
            if git_dir is None:
                self.missing.add(github)
                raise Skip(f"snapshot of {github} not fetched")
            self.snapshots[github] = Snapshot(github, git_dir)
        return self.snapshots[github]

    def prepare(self, url: str, name: str, wanted: str) -> Built:
        """Export chart `name` from `url` at the version `wanted`, dependencies vendored."""
        key = (url.rstrip("/"), name, wanted)
        if key not in self.prepared:
            self.prepared[key] = self._prepare(*key)
        return self.prepared[key]

    def _prepare(self, url: str, name: str, wanted: str) -> Built:
        source = SOURCES.get((url, name))
        if source is None:
            raise Skip(f"no source for {name} from {url}")
        snapshot = self.snapshot(source.github)
        version, exact = pick_version(snapshot, source.path, wanted)
        commit = snapshot.all_versions(source.path)[version]
        dest = self.work / slug(url) / f"{name}-{wanted.replace('/', '_')}" / name
        notes = snapshot.export(commit, source.path, dest)
        chart_yaml = dest / "Chart.yaml"
        fill_template(dest, version)
        if source.github in TAGGED and RELEASE_TAG.fullmatch(version):
            set_tag_version(dest, source.github, published_tag_version(wanted, version, exact), version)
        source_version = str(yaml.safe_load(chart_yaml.read_text())["version"])
        published = source_version
        if not exact:
            published = reversion_target(wanted, version)
            set_field(chart_yaml, "version", published)
        built = Built(
            url,
            name,
            wanted,
            "exact" if exact else "re-versioned",
            published,
            source_version,
            f"{source.github}:{source.path}@{commit[:12]}",
            notes=notes,
            directory=dest,
        )
        built.dependencies = self.vendor_dependencies(snapshot, commit, source.path, dest, built.notes)
        return built

    def vendor_dependencies(
        self, snapshot: Snapshot, commit: str, path: str, dest: Path, notes: list[str]
    ) -> list[Built]:
        """Put every dependency Chart.yaml (or requirements.yaml) names into dest/charts, as
        `helm dependency build` would; file:// ones from the same commit."""
        charts_dir = dest / "charts"
        vendored: list[Built] = []
        for dep in declared_dependencies(dest):
            dep_name = str(dep["name"])
            repository = str(dep.get("repository") or "").strip()
            dep_version = str(dep.get("version") or "*")
            if already_vendored(charts_dir, dep_name):
                continue
            charts_dir.mkdir(exist_ok=True)
            if repository.startswith("file://"):
                local = normalised(Path(path) / repository[len("file://") :])
                if local is None:
                    raise Skip(f"dependency {dep_name} at {repository} leaves the repository")
                notes += snapshot.export(commit, local, charts_dir / dep_name)
                notes.append(f"dependency {dep_name} from {local} (file://)")
                if declared_dependencies(charts_dir / dep_name):
                    notes.append(f"dependencies of {dep_name} (file://) not vendored")
                continue
            if not repository:
                raise Skip(f"dependency {dep_name} has no repository")
            if repository.startswith(("@", "alias:")):
                raise Skip(f"dependency {dep_name} names a repository alias ({repository})")
            dep_url = dependency_url(repository, dep_name)
            try:
                dep_built = self.prepare(dep_url, dep_name, dep_version)
            except Skip as exc:
                raise Skip(f"dependency {dep_name} {dep_version} from {dep_url}: {exc}") from None
            assert dep_built.directory is not None
            shutil.copytree(dep_built.directory, charts_dir / dep_name, symlinks=False, dirs_exist_ok=True)
            vendored.append(dep_built)
        return vendored


def pick_version(snapshot: Snapshot, path: str, wanted: str) -> tuple[str, bool]:
    """(version, exact): the version Helm would pick from the release refs, else from every ref;
    failing both, the newest one (exact False: it will be re-versioned)."""
    release = snapshot.versions(path, RELEASE_REFS)
    every = snapshot.all_versions(path)
    if not every:
        raise Skip(f"no Chart.yaml history at {snapshot.github}:{path}")
    for versions in (release, every):
        chosen = matching_version(versions, wanted)
        if chosen is not None:
            return chosen, True
    return newest(release or every), False


def matching_version(versions: Iterable[str], wanted: str) -> str | None:
    versions = list(versions)
    if wanted in versions:
        return wanted
    constraint = semver.parse_constraint(wanted)
    return constraint.best(versions) if constraint else None


def newest(versions: Iterable[str]) -> str:
    ranked = [(parsed.key(), text) for text in versions if (parsed := semver.coerce(text)) is not None]
    if not ranked:
        raise Skip("no version the snapshot holds is SemVer")
    return max(ranked)[1]


def reversion_target(wanted: str, newest_version: str) -> str:
    """The version a re-versioned chart is published under: the wanted one, or the lowest bound
    of a constraint (`~0.8.2` -> 0.8.2)."""
    target = wanted if semver.coerce(wanted) else (re.sub(r"^[~^>=<v ]+", "", wanted).split() or [""])[0]
    if not semver.coerce(target):
        raise Skip(f"no version matching {wanted} (newest {newest_version}) and cannot re-version")
    return target


def published_tag_version(wanted: str, tag: str, exact: bool) -> str:
    """The chart version for a release tag: as the corpus wrote it when it names that release
    (`0.19.0` for tag v0.19.0), else the tag."""
    if exact and semver.parse(wanted.lstrip("v")) is not None and semver.coerce(wanted) == semver.coerce(tag):
        return wanted
    return tag


def fill_template(dest: Path, version: str) -> None:
    """Make Chart.yaml real where the snapshot has a template or placeholders in it."""
    chart_yaml = dest / "Chart.yaml"
    template = dest / "Chart.template.yaml"
    if not chart_yaml.exists() and template.exists():
        text = template.read_text()
        text = text.replace("{{IS_PRERELEASE}}", "false")
        chart_yaml.write_text(re.sub(r"\{\{[A-Z_]+\}\}", version, text))
        template.unlink()
    meta = yaml.safe_load(chart_yaml.read_text())
    if "{{" in str(meta.get("version")) or "{{" in str(meta.get("appVersion", "")):
        chart_yaml.write_text(re.sub(r"\{\{\s*[^}]*\}\}", version, chart_yaml.read_text()))


def set_tag_version(dest: Path, github: str, chart_version: str, tag: str) -> None:
    """What the release tooling of a TAGGED repository does: version (and appVersion) from the
    tag, the tag into the placeholders of the chart's files, values.yaml from its template."""
    chart_yaml = dest / "Chart.yaml"
    set_field(chart_yaml, "version", chart_version, every=True)
    if github not in KEEPS_APP_VERSION:
        set_field(chart_yaml, "appVersion", tag, every=True)
    for file in dest.rglob("*"):
        if not file.is_file() or file.suffix not in TEXT_SUFFIXES:
            continue
        text = file.read_text(errors="replace")
        if any(p in text for p in TAG_PLACEHOLDERS):
            for placeholder in TAG_PLACEHOLDERS:
                text = text.replace(placeholder, tag)
            file.write_text(text)
    template = dest / "values.tmpl.yaml"
    if github in VALUES_TEMPLATES and template.exists():
        text = template.read_text()
        for variable, value in VALUES_TEMPLATES[github].items():
            text = text.replace(f"${{{variable}}}", value.format(tag=tag))
        (dest / "values.yaml").write_text(text)
        template.unlink()


def set_field(chart_yaml: Path, key: str, value: str, every: bool = False) -> None:
    """Rewrite the top-level `key:` line(s) of Chart.yaml, keeping the rest of the file as it is."""
    text = chart_yaml.read_text()
    chart_yaml.write_text(re.sub(rf"^{key}:.*$", f"{key}: {value}", text, count=0 if every else 1, flags=re.M))


def declared_dependencies(chart_dir: Path) -> list[dict[str, Any]]:
    meta = yaml.safe_load((chart_dir / "Chart.yaml").read_text()) or {}
    deps = meta.get("dependencies") or []
    if not deps and (chart_dir / "requirements.yaml").exists():  # Helm 2 charts (apiVersion v1)
        deps = (yaml.safe_load((chart_dir / "requirements.yaml").read_text()) or {}).get("dependencies") or []
    return list(deps)


def already_vendored(charts_dir: Path, name: str) -> bool:
    """Whether the chart already ships dependency `name` in charts/ (a directory or an archive)."""
    if not charts_dir.is_dir():
        return False
    for entry in charts_dir.iterdir():
        if entry.name.startswith(name + "-") and entry.name.endswith(".tgz"):
            return True
        chart_yaml = entry / "Chart.yaml"
        if (
            entry.is_dir()
            and chart_yaml.exists()
            and (yaml.safe_load(chart_yaml.read_text()) or {}).get("name") == name
        ):
            return True
    return False


def dependency_url(repository: str, name: str) -> str:
    """The repository URL of a dependency. Some charts write an OCI dependency with the chart name
    in it (`oci://host/path/name`); Helm accepts both, SOURCES is keyed by the repository."""
    url = repository.rstrip("/")
    if url.startswith("oci://") and (url, name) not in SOURCES and url.endswith("/" + name):
        return url[: -len(name) - 1]
    return url


# --------------------------------------------------------------------------------------------
# The mirror
# --------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One wanted chart in the report."""

    chart: Built
    users: list[str]
    archive: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**_built_json(self.chart), "users": self.users, "archive": self.archive}


def _built_json(built: Built) -> dict[str, Any]:
    data = asdict(built)
    data.pop("directory")
    data["dependencies"] = [_built_json(d) for d in built.dependencies]
    return data


def build_one(builder: Builder, wanted: Wanted, http_dir: Path) -> Entry:
    """Build (or copy, for PREBUILT) one wanted chart into http_dir/<slug>/."""
    dest = http_dir / slug(wanted.url)
    try:
        if (wanted.url, wanted.name) in PREBUILT:
            built, archive = copy_prebuilt(builder, wanted, dest)
            return Entry(built, wanted.users, archive)
        built = builder.prepare(wanted.url, wanted.name, wanted.version)
        assert built.directory is not None
        dest.mkdir(parents=True, exist_ok=True)
        archive = helm_python.package(built.directory, destination=dest)
        return Entry(built, wanted.users, str(archive))
    except Skip as exc:
        why = str(exc)
    except helm_python.HelmError as exc:
        why = f"helm: {exc}"
    except (subprocess.CalledProcessError, OSError, yaml.YAMLError, KeyError) as exc:
        why = f"{type(exc).__name__}: {exc}"
    return Entry(Built(wanted.url, wanted.name, wanted.version, "skipped", why=why), wanted.users)


def copy_prebuilt(builder: Builder, wanted: Wanted, dest: Path) -> tuple[Built, str]:
    github, pattern = PREBUILT[(wanted.url, wanted.name)]
    file_name = pattern.format(name=wanted.name, version=wanted.version)
    try:
        data = builder.snapshot(github).git("show", f"HEAD:{file_name}")
    except subprocess.CalledProcessError:
        raise Skip(f"{github} has no {file_name}") from None
    dest.mkdir(parents=True, exist_ok=True)
    (dest / file_name).write_bytes(data)
    source = f"{github}:{file_name}"
    built = Built(wanted.url, wanted.name, wanted.version, "exact", wanted.version, wanted.version, source)
    return built, str(dest / file_name)


def write_outputs(out: Path, entries: Sequence[Entry], previous: Sequence[dict[str, Any]], port: int) -> list[str]:
    """index.yaml per repository, mirrors.yaml and report.json; returns the mirrored URLs."""
    http_dir = out / "http"
    built_json = [e.to_json() for e in entries]
    rebuilt = {(e["url"], e["name"], e["wanted"]) for e in built_json}
    charts = built_json + [e for e in previous if (e["url"], e["name"], e["wanted"]) not in rebuilt]
    charts.sort(key=lambda e: (e["url"], e["name"], e["wanted"]))
    urls = sorted({e["url"] for e in charts if e["status"] != "skipped"})
    for url in urls:
        helm_python.repo_index_generate(http_dir / slug(url))
    lines = [
        f"# m0sh1-lint config fragment: upstream chart repositories -> local mirror ({http_dir})",
        "charts:",
        "  mirrors:" if urls else "  mirrors: []",
        *(f'    - {{from: "{url}", to: "http://127.0.0.1:{port}/{slug(url)}"}}' for url in urls),
    ]
    (out / "mirrors.yaml").write_text("\n".join(lines) + "\n")
    report = {"charts": charts, "repositories": {slug(url): url for url in urls}}
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    return urls


def print_summary(entries: Sequence[Entry], urls: Sequence[str], out: Path, missing: Iterable[str]) -> None:
    for entry in entries:
        print(entry.chart.describe())
        for dep in _all_dependencies(entry.chart):
            if dep.status == "re-versioned":
                print(f"    dependency {dep.describe()}")
        for note in entry.chart.notes:
            print(f"    {note}")
    counts = {s: sum(1 for e in entries if e.chart.status == s) for s in ("exact", "re-versioned", "skipped")}
    print(
        f"\n{counts['exact']} exact, {counts['re-versioned']} re-versioned, {counts['skipped']} skipped; "
        f"{len(urls)} repositories in {out / 'http'}, config in {out / 'mirrors.yaml'}"
    )
    if missing:
        print("\nSnapshots to fetch (then run this again):")
        for github in sorted(missing):
            print(f"  fetch github:{github}")


def _all_dependencies(built: Built) -> list[Built]:
    return [d for dep in built.dependencies for d in (dep, *_all_dependencies(dep))]


def serve(directory: Path, port: int) -> None:
    """`python -m http.server PORT --bind 127.0.0.1 --directory DIR`, in the foreground."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise SetupError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from None
    print(f"serving {directory} on http://127.0.0.1:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def _outside_project(out: Path) -> Path:
    out = out.expanduser().resolve()
    if out == PROJECT or PROJECT in out.parents:
        raise SetupError(f"--out {out} is inside the project; the mirror must live outside it")
    return out


def _previous_report(out: Path) -> list[dict[str, Any]]:
    path = out / "report.json"
    if not path.exists():
        return []
    try:
        return list(json.loads(path.read_text())["charts"])
    except (ValueError, KeyError, TypeError):
        raise SetupError(f"{path} is no report of this script; remove it or build without --only") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the local Helm chart mirror for the corpus's mirror mode.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default /tmp/upstream)")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="where the fetched snapshots live")
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="parent directory of the corpus checkouts"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port in the mirror URLs (default 8879)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="only this chart name or repository slug"
    )
    parser.add_argument("--serve", action="store_true", help="serve the mirror on 127.0.0.1:PORT after building")
    opts = parser.parse_args(argv)

    try:
        out = _outside_project(opts.out)
        wanted = charts_wanted(opts.workdir.expanduser().resolve())
        selected = [w for w in wanted if not opts.only or w.name in opts.only or slug(w.url) in opts.only]
        if not selected:
            raise SetupError(f"--only {', '.join(opts.only)} matches no wanted chart")
        if not opts.mirrors.is_dir():
            raise SetupError(f"--mirrors {opts.mirrors} is no directory (where `fetch` puts the snapshots)")
        previous = _previous_report(out) if opts.only else []
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"chart_mirror.py: cannot create {opts.out}: {exc.strerror}", file=sys.stderr)
        return 2
    except SetupError as exc:
        print(f"chart_mirror.py: {exc}", file=sys.stderr)
        return 2

    if not opts.only:  # a full build starts empty, so no archive of an earlier build lingers
        for stale in (out / "http", out / "work"):
            shutil.rmtree(stale, ignore_errors=True)
    builder = Builder(opts.mirrors, out / "work")
    entries = []
    for item in selected:
        print(f"[{item.name} {item.version}] {item.url}", file=sys.stderr, flush=True)
        entries.append(build_one(builder, item, out / "http"))
    urls = write_outputs(out, entries, previous, opts.port)
    print_summary(entries, urls, out, builder.missing)

    if opts.serve:
        try:
            serve(out / "http", opts.port)
        except SetupError as exc:
            print(f"chart_mirror.py: {exc}", file=sys.stderr)
            return 2
    return 1 if builder.missing else 0


if __name__ == "__main__":
    sys.exit(main())
