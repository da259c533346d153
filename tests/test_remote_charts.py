"""Charts that are not committed, fetched and rendered as Argo CD does: from a real HTTP Helm
repository and a real OCI registry, through the chart cache, offline, with mirrors and
credentials. Upstream charts are generated here; nothing third-party is used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from chart_servers import Registry, chart_lock, http_repo, oci_registry, package, registry_available, tgz, write_chart

from conftest import application, git_repo, lint_json
from linter.cli import main
from linter.loaders.charts import chart_from_archive
from linter.loaders.fetch.cache import read_recent
from linter.loaders.fetch.sources import mirrored
from linter.loaders.files import RepoFiles
from linter.loaders.helm.archive import TemplateSources
from linter.loaders.helm.render import reads_api_versions
from linter.loaders.kustomize import build_directory
from linter.model import DirectorySource, Location, Mirror

URL = "https://git.example.com/ops/homelab"

# An upstream database chart: its Deployment reads the Secret the values name, and it can create
# the StorageClass the values describe.
DB_TEMPLATES = {
    "deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-db\nspec:\n"
        "  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n"
        "    spec:\n      containers:\n        - name: db\n          image: db:1\n          env:\n"
        "            - name: PASSWORD\n              valueFrom:\n                secretKeyRef:\n"
        "                  name: {{ .Values.auth.existingSecret }}\n                  key: password\n"
    ),
    "storageclass.yaml": (
        "{{- if .Values.storageClass.create }}\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n"
        "  name: {{ .Values.storageClass.name }}\nprovisioner: example.com/db\n{{- end }}\n"
    ),
}
DB_VALUES = "auth:\n  existingSecret: db-secret\nstorageClass:\n  create: false\n  name: standard\n"
WRAPPER_VALUES = (
    "db:\n  auth:\n    existingSecret: web-db-credentials\n  storageClass:\n    create: true\n    name: fast\n"
)
PVC = (
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: web-data\nspec:\n  storageClassName: fast\n"
    "  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n"
)


def wrapper(repository: str, version: str = "^1.2.0", lock: str | None = None) -> dict[str, str]:
    files = {
        "argocd/web.yaml": application("web", "apps/web"),
        "apps/web/Chart.yaml": (
            "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n"
            f"  - name: db\n    version: {version}\n    repository: {repository}\n"
        ),
        "apps/web/values.yaml": WRAPPER_VALUES,
        "apps/web/templates/pvc.yaml": PVC,
    }
    if lock is not None:
        files["apps/web/Chart.lock"] = lock
    return files


def chart_with_values_ref(name: str, repository: str, chart: str, version: str, values_file: str) -> str:
    """An Application rendering `chart` from a Helm repository with a values file of this
    repository (`$values/...`), as multi-source Applications do."""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
        f"spec:\n  project: default\n  sources:\n    - repoURL: {repository}\n      chart: {chart}\n"
        f"      targetRevision: {version}\n      helm:\n        valueFiles: [$values/{values_file}]\n"
        f"    - repoURL: {URL}\n      targetRevision: main\n      ref: values\n"
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {name}\n"
        "  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Fetching allowed, into a cache of this test's own; returns the cache directory."""
    monkeypatch.delenv("M0SH1_LINT_OFFLINE", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("M0SH1_LINT_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def db_repo(tmp_path: Path) -> Iterator[object]:
    upstream = write_chart(tmp_path / "src", "db", templates=DB_TEMPLATES, values=DB_VALUES)
    with http_repo(tmp_path / "served") as served:
        served.publish(*(package(upstream, tmp_path / "dist", version) for version in ("1.2.0", "1.3.0", "2.0.0")))
        yield served


def findings(document: dict) -> list[tuple[str, int, str]]:
    return [(f["file"], f["line"], f["rule"]) for f in document["findings"]]


def source_objects(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """`inventory apps`: how many objects each Application's first source deploys."""
    assert main(["inventory", "apps", "--root", str(root), "--format", "json", str(root)]) == 0
    return {a["name"]: a["sources"][0]["objects"] for a in json.loads(capsys.readouterr().out)["applications"]}


def test_wrapper_with_an_http_dependency_renders_the_subchart(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_repo(tmp_path / "repo", wrapper(db_repo.url))  # type: ignore[attr-defined]
    code, document = lint_json(root, "--select", "SS001,SC001,LD010", capsys=capsys)
    # The subchart's Deployment reads a Secret nothing produces: reported at the wrapper's values
    # line that named it. The StorageClass the subchart creates satisfies the wrapper's PVC.
    assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]
    assert "web-db-credentials" in document["findings"][0]["message"]
    assert code == 1
    requested = db_repo.requests  # type: ignore[attr-defined]
    assert requested.count("/index.yaml") == 1 and "/db-1.3.0.tgz" in requested  # ^1.2.0 → newest 1.x


def test_offline_with_a_warm_cache_gives_identical_findings_and_a_cold_cache_says_why(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = git_repo(tmp_path / "repo", wrapper(db_repo.url))  # type: ignore[attr-defined]
    _, first = lint_json(root, capsys=capsys)
    served = len(db_repo.requests)  # type: ignore[attr-defined]
    _, warm = lint_json(root, "--offline", capsys=capsys)
    assert warm["findings"] == first["findings"]
    assert len(db_repo.requests) == served  # type: ignore[attr-defined]  # nothing fetched again
    monkeypatch.setenv("M0SH1_LINT_CACHE_DIR", str(tmp_path / "empty-cache"))
    code, cold = lint_json(root, "--offline", "--select", "LD010", capsys=capsys)
    assert code == 1
    [finding] = cold["findings"]
    assert (finding["file"], finding["line"], finding["rule"]) == ("apps/web/Chart.yaml", 5, "LD010")
    assert finding["message"] == (
        f"chart `db` ^1.2.0 from `{db_repo.url}` (for chart `apps/web`) cannot be had: no version matching "  # type: ignore[attr-defined]
        "`^1.2.0` is in the cache, and --offline forbids fetching"
    )


def test_templates_that_need_a_dependency_that_cannot_be_had_are_left_out_of_the_render(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Offline and not cached, `db` is LD010. The wrapper's template that calls db's helper, and the
    # one that reads a value only db's defaults set, cannot render without it: they are the
    # dependency's part, not broken templates (no LD004), and the wrapper's own ConfigMap is seen.
    files = wrapper("https://charts.example.com")
    files["apps/web/templates/pvc.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata: {a: b}\n"
    files["apps/web/templates/service.yaml"] = (
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include "db.fullname" . }}\n'
        "spec:\n  ports: [{port: 80}]\n"
    )
    files["apps/web/templates/netpol.yaml"] = (
        '{{- $db := index .Values "db" }}\n{{- if $db.networkPolicy.enabled }}\napiVersion: v1\nkind: ConfigMap\n'
        "metadata:\n  name: netpol\n{{- end }}\n"
    )
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--offline", "--select", "LD", capsys=capsys)
    assert findings(document) == [("apps/web/Chart.yaml", 5, "LD010")]
    assert source_objects(root, capsys) == {"web": 1}


def test_a_template_calling_a_helper_nobody_defines_is_still_unrenderable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No dependency is missing: the call is the chart's own mistake.
    files = {
        "argocd/web.yaml": application("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/templates/service.yaml": (
            'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include "web.fullnam" . }}\n'
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--offline", "--select", "LD", capsys=capsys)
    assert findings(document) == [("apps/web/templates/service.yaml", 4, "LD004")]
    assert 'no template "web.fullnam"' in document["findings"][0]["message"]


def test_a_corrupted_cache_entry_is_fetched_again(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_repo(tmp_path / "repo", wrapper(db_repo.url, version="1.2.0"))  # type: ignore[attr-defined]
    _, first = lint_json(root, capsys=capsys)
    [blob] = list((online / "charts" / "sha256").glob("*.tgz"))
    blob.write_bytes(b"not the archive")
    _, second = lint_json(root, capsys=capsys)
    assert second["findings"] == first["findings"]
    assert blob.read_bytes() != b"not the archive"  # replaced by a verified copy
    assert db_repo.requests.count("/db-1.2.0.tgz") == 2  # type: ignore[attr-defined]


def test_chart_lock_pins_the_version_when_in_sync(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_repo.url  # type: ignore[attr-defined]
    files = wrapper(url)
    files["apps/web/Chart.lock"] = chart_lock(files["apps/web/Chart.yaml"], ["1.2.0"])
    root = git_repo(tmp_path / "repo", files)
    lint_json(root, "--select", "SS001", capsys=capsys)
    assert "/db-1.2.0.tgz" in db_repo.requests and "/db-1.3.0.tgz" not in db_repo.requests  # type: ignore[attr-defined]


def test_a_mirror_rewrites_the_repository(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    files = wrapper("https://charts.example.invalid/stable")
    files[".m0sh1-lint.yaml"] = (
        "charts:\n  mirrors:\n    - {from: 'https://charts.example.invalid/stable', to: '"
        + db_repo.url  # type: ignore[attr-defined]
        + "'}\n"
    )
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "SS001,SC001,LD010", capsys=capsys)
    assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]


MIRROR_CASES = [
    # (from, location, rewritten; None = not covered)
    ("oci://", "oci://ghcr.io/acme/db", "oci://mirror.example/ghcr.io/acme/db"),
    ("oci://ghcr.io/", "oci://ghcr.io/acme/db", "oci://mirror.example/acme/db"),
    ("oci://ghcr.io/", "oci://ghcr.io.evil.example/acme", None),
    ("oci://ghcr.io", "oci://ghcr.io.evil.example/acme", None),
    ("ghcr.io/", "oci://ghcr.io/acme", "oci://mirror.example/acme"),
    ("https://charts.example.com", "https://charts.example.com.evil.io/x", None),
    ("https://charts.example.com", "https://charts.example.com/stable", "oci://mirror.example/stable"),
    ("https://charts.example.com/", "https://charts.example.com", "oci://mirror.example"),
    ("https://charts.example.com/sta", "https://charts.example.com/stable", None),
]


@pytest.mark.parametrize(("source", "location", "rewritten"), MIRROR_CASES)
def test_a_mirror_prefix_covers_whole_path_segments(source: str, location: str, rewritten: str | None) -> None:
    # `https://charts.example.com` must not send `…com.evil.io` to the mirror, and the join never
    # doubles a slash (`oci://` + `oci://host/` used to give `oci://host//ghcr.io/…`).
    mirror = Mirror(source, "oci://mirror.example/")
    assert mirrored(location, (mirror,)) == ((rewritten, mirror) if rewritten else (location, None))


def test_the_longest_mirror_prefix_wins_whatever_its_spelling() -> None:
    broad, narrow = Mirror("oci://", "oci://all.example/"), Mirror("ghcr.io/acme", "oci://acme.example/")
    assert mirrored("oci://ghcr.io/acme/db", (narrow, broad)) == ("oci://acme.example/db", narrow)
    assert mirrored("oci://ghcr.io/other/db", (narrow, broad)) == ("oci://all.example/ghcr.io/other/db", broad)


@pytest.mark.parametrize("mirror_the_releases", [True, False])
def test_mirrors_rewrite_archive_urls_an_index_gives_on_another_host(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str], mirror_the_releases: bool
) -> None:
    # Many indexes list their archives at GitHub release URLs: a mirror of the repository alone
    # leaves those on the upstream host, a mirror of that host too brings them home.
    releases = "https://github.example.invalid/acme/charts/releases/download"
    upstream = write_chart(tmp_path / "src", "db", version="1.2.0", templates=DB_TEMPLATES, values=DB_VALUES)
    with http_repo(tmp_path / "served") as served:
        served.publish(package(upstream, tmp_path / "dist"), base_url=releases)
        assert f"{releases}/db-1.2.0.tgz" in (served.directory / "index.yaml").read_text()
        mirrors = [("https://charts.example.invalid/stable", served.url)]
        if mirror_the_releases:
            mirrors.append((releases, served.url))
        files = wrapper("https://charts.example.invalid/stable", version="1.2.0")
        files[".m0sh1-lint.yaml"] = "charts:\n  mirrors:\n" + "".join(
            f"    - {{from: '{source}', to: '{target}'}}\n" for source, target in mirrors
        )
        root = git_repo(tmp_path / "repo", files)
        _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    if mirror_the_releases:
        assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]
        assert "/db-1.2.0.tgz" in served.requests
    else:
        [finding] = document["findings"]
        assert finding["rule"] == "LD010" and "github.example.invalid" in finding["message"]


@pytest.mark.parametrize("wanted", ["v1.3.0", "1.3.0", "~1.3.0", "v1.3"])
def test_versions_with_a_v_prefix_resolve_as_helm_resolves_them(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str], wanted: str
) -> None:
    # cert-manager publishes its chart as v1.16.2: Chart.yaml may ask for it with or without the v
    upstream = write_chart(tmp_path / "src", "db", templates=DB_TEMPLATES, values=DB_VALUES)
    with http_repo(tmp_path / "served") as served:
        served.publish(*(package(upstream, tmp_path / "dist", version) for version in ("v1.2.0", "v1.3.0")))
        root = git_repo(tmp_path / "repo", wrapper(served.url, version=wanted))
        _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
        assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]
        assert "/db-v1.3.0.tgz" in served.requests and "/db-v1.2.0.tgz" not in served.requests


@pytest.mark.parametrize("spelling", ["@acme", "alias:acme", "@unknown"])
def test_a_dependency_may_name_a_repository_helm_knows(
    tmp_path: Path,
    online: Path,
    db_repo: object,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    spelling: str,
) -> None:
    # `helm repo add acme URL` lets a Chart.yaml say `repository: "@acme"`; Helm looks the name up
    # in its repository config, and so does the linter.
    config = tmp_path / "helm" / "repositories.yaml"
    config.parent.mkdir()
    config.write_text(f"apiVersion: ''\nrepositories:\n  - name: acme\n    url: {db_repo.url}\n")  # type: ignore[attr-defined]
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(config))
    root = git_repo(tmp_path / "repo", wrapper(f'"{spelling}"', version="1.2.0"))
    _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    if spelling == "@unknown":
        [finding] = document["findings"]
        assert finding["rule"] == "LD010" and "Helm's repository config" in finding["message"]
    else:
        assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]


def test_an_unreachable_repository_is_tried_once_and_reported(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = wrapper("http://127.0.0.1:9")  # the discard port: nothing listens
    api_chart = files["apps/web/Chart.yaml"].replace("name: web", "name: api")
    files["apps/api/Chart.yaml"] = api_chart.replace("http://127.0.0.1:9", "http://127.0.0.1:9/other-repo")
    files["argocd/api.yaml"] = application("api", "apps/api", "api")
    root = git_repo(tmp_path / "repo", files)
    code, document = lint_json(root, "--select", "LD010", capsys=capsys)
    assert code == 1
    assert [(f["file"], f["rule"]) for f in document["findings"]] == [
        ("apps/api/Chart.yaml", "LD010"),
        ("apps/web/Chart.yaml", "LD010"),
    ]
    assert all("cannot reach 127.0.0.1:9" in f["message"] for f in document["findings"])
    # The host's failure is told to each chart in the host's words, not those of the chart asked first.
    reasons = {f["message"].partition("cannot be had: ")[2] for f in document["findings"]}
    assert len(reasons) == 1 and "other-repo" not in reasons.pop()


def test_basic_auth_credentials_come_from_the_environment_and_never_show(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream = write_chart(tmp_path / "src", "db", version="1.2.0", templates=DB_TEMPLATES, values=DB_VALUES)
    with http_repo(tmp_path / "served", auth=("reader", "s3cret-pass")) as served:
        served.publish(package(upstream, tmp_path / "dist"))
        root = git_repo(tmp_path / "repo", wrapper(served.url, version="1.2.0"))
        code, refused = lint_json(root, "--select", "LD010", capsys=capsys)
        assert code == 1 and "refused access" in refused["findings"][0]["message"]
        monkeypatch.setenv(
            "M0SH1_LINT_HELM_AUTH", json.dumps({served.url: {"username": "reader", "password": "s3cret-pass"}})
        )
        _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
        assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]
        for fmt in ("text", "json", "sarif"):
            main(["lint", "--root", str(root), "-v", "--format", fmt, str(root)])
            out, err = capsys.readouterr()
            assert "s3cret-pass" not in out + err
    assert not any("s3cret" in p.read_text(errors="replace") for p in online.rglob("*.json"))


def test_credentials_never_go_to_an_archive_a_mirror_fetches_without_tls_checks(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The index sits behind basic auth and lists its archives on another host; a mirror brings
    # that host to the same server but with insecureSkipTLSVerify, so the password stays home.
    releases = "https://github.example.invalid/acme/charts/releases/download"
    upstream = write_chart(tmp_path / "src", "db", version="1.2.0", templates=DB_TEMPLATES, values=DB_VALUES)
    with http_repo(tmp_path / "served", auth=("reader", "s3cret-pass")) as served:
        served.publish(package(upstream, tmp_path / "dist"), base_url=releases)
        monkeypatch.setenv(
            "M0SH1_LINT_HELM_AUTH", json.dumps({served.url: {"username": "reader", "password": "s3cret-pass"}})
        )
        files = wrapper("https://charts.example.invalid/stable", version="1.2.0")
        files[".m0sh1-lint.yaml"] = (
            f"charts:\n  mirrors:\n    - {{from: 'https://charts.example.invalid/stable', to: '{served.url}'}}\n"
            f"    - {{from: '{releases}', to: '{served.url}', insecureSkipTLSVerify: true}}\n"
        )
        root = git_repo(tmp_path / "repo", files)
        code, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    assert served.authorized == ["/index.yaml"]
    assert code == 1 and [f["rule"] for f in document["findings"]] == ["LD010"]
    assert "refused access" in document["findings"][0]["message"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    if not registry_available():
        if os.environ.get("CI"):
            pytest.fail("docker-registry is not installed: run scripts/test-deps (apt-get install docker-registry)")
        pytest.skip("docker-registry is not installed (scripts/test-deps installs it)")
    with oci_registry(tmp_path_factory.mktemp("registry")) as running:
        yield running


def test_wrapper_with_an_oci_dependency_renders_the_subchart(
    tmp_path: Path, online: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    upstream = write_chart(tmp_path / "src", "db", version="1.2.0", templates=DB_TEMPLATES, values=DB_VALUES)
    repository = registry.push(package(upstream, tmp_path / "dist"))
    files = wrapper(repository, version="1.2.0")
    files[".m0sh1-lint.yaml"] = (
        f"charts:\n  mirrors:\n    - {{from: '{repository}', to: '{repository}', plainHttp: true}}\n"
    )
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "SS001,SC001,LD010", capsys=capsys)
    assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]


def test_a_scheme_less_mirror_prefix_replaces_exactly_what_it_matches(
    tmp_path: Path, online: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    # `from` without a scheme counts as `oci://` (as Argo CD's scheme-less repoURLs do); what
    # follows the matched prefix is kept as it is.
    upstream = write_chart(tmp_path / "src", "db", version="1.2.0", templates=DB_TEMPLATES, values=DB_VALUES)
    repository = registry.push(package(upstream, tmp_path / "dist"), path="mirror/bitnamicharts")
    files = wrapper("oci://registry-1.docker.invalid/bitnamicharts", version="1.2.0")
    files[".m0sh1-lint.yaml"] = (
        "charts:\n  mirrors:\n    - {from: 'registry-1.docker.invalid/', "
        f"to: 'oci://{registry.host}/mirror/', plainHttp: true}}\n"
    )
    assert repository == f"oci://{registry.host}/mirror/bitnamicharts"
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "SS001,SC001,LD010", capsys=capsys)
    assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]


MONITOR_TEMPLATE = (
    '{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" }}\n'
    "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: {{ .Release.Name }}\n"
    "spec:\n  endpoints:\n    - port: metrics\n  selector:\n    matchLabels: {app: db}\n"
    "  namespaceSelector:\n    matchNames: [{{ .Values.monitorNamespace }}]\n{{- end }}\n"
)
SERVICE_MONITOR_CRD = (
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
    "  name: servicemonitors.monitoring.coreos.com\nspec:\n  group: monitoring.coreos.com\n"
    "  names: {kind: ServiceMonitor, plural: servicemonitors}\n  scope: Namespaced\n"
    "  versions:\n    - name: v1\n      served: true\n      storage: true\n"
    "      schema:\n        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
)


@pytest.mark.parametrize("installs_operator", [True, False])
def test_capabilities_gate_follows_the_crds_the_repository_installs(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str], installs_operator: bool
) -> None:
    upstream = write_chart(
        tmp_path / "src",
        "db",
        version="1.2.0",
        templates={"monitor.yaml": MONITOR_TEMPLATE},
        values="monitorNamespace: db\n",
    )
    with http_repo(tmp_path / "served") as served:
        served.publish(package(upstream, tmp_path / "dist"))
        files = wrapper(served.url, version="1.2.0")
        if installs_operator:
            files["argocd/crds.yaml"] = application("crds", "crds", "monitoring")
            files["crds/servicemonitor.yaml"] = SERVICE_MONITOR_CRD
        root = git_repo(tmp_path / "repo", files)
        assert main(["inventory", "apps", "--root", str(root), "--format", "json", str(root)]) == 0
        web = next(a for a in json.loads(capsys.readouterr().out)["applications"] if a["name"] == "web")
    # the wrapper's PVC, and the ServiceMonitor only when its CRD is installed
    assert web["sources"][0]["objects"] == (2 if installs_operator else 1)


@pytest.mark.parametrize(("wanted", "found"), [("v1.3.0", True), ("1.3.0", False), ("~1.3.0", False)])
def test_a_registry_version_helm_parses_is_the_tag_itself(
    tmp_path: Path, online: Path, registry: Registry, capsys: pytest.CaptureFixture[str], wanted: str, found: bool
) -> None:
    # Helm pulls `--version v1.3.0` as that tag (cert-manager's OCI chart), but lists only strict
    # SemVer tags, so neither `1.3.0` nor a range finds it.
    upstream = write_chart(tmp_path / "src", "db", templates=DB_TEMPLATES, values=DB_VALUES)
    repository = registry.push(package(upstream, tmp_path / "dist", "v1.3.0"), path=f"vprefix{len(wanted)}")
    files = wrapper(repository, version=wanted)
    files[".m0sh1-lint.yaml"] = (
        f"charts:\n  mirrors:\n    - {{from: '{repository}', to: '{repository}', plainHttp: true}}\n"
    )
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    if not found:
        assert [f["rule"] for f in document["findings"]] == ["LD010"]
        return
    assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]
    _, offline = lint_json(root, "--offline", "--select", "SS001,LD010", capsys=capsys)
    assert offline["findings"] == document["findings"]


OPERATOR_APP = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: operator\n  namespace: argocd\n"
    "spec:\n  project: default\n  source:\n    repoURL: {url}\n    chart: operator\n    targetRevision: 1.0.0\n"
    "  destination:\n    server: https://kubernetes.default.svc\n    namespace: monitoring\n"
)


ABSENT_GATE = '{{- if not (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1") }}\n'


@pytest.mark.parametrize("where", ["templates", "application-chart-crds", "disabled", "only-while-absent"])
def test_crds_only_rendering_shows_open_capabilities_gates(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    # The operator's CRD is known only once it renders: from the templates of a committed chart,
    # or from the crds/ of a chart an Application takes from a Helm repository. A second walk
    # then renders the ServiceMonitor another chart gates on it; a disabled Application installs
    # nothing.
    files = {
        "argocd/web.yaml": application("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/values.yaml": "monitorNamespace: web\n",
        "apps/web/templates/monitor.yaml": MONITOR_TEMPLATE,
        "apps/web/templates/pvc.yaml": PVC,
    }
    with http_repo(tmp_path / "served") as served:
        if where == "application-chart-crds":
            operator = write_chart(tmp_path / "src", "operator", crds={"servicemonitor.yaml": SERVICE_MONITOR_CRD})
            served.publish(package(operator, tmp_path / "dist"))
            files["argocd/operator.yaml"] = OPERATOR_APP.format(url=served.url)
        else:
            folder = "argocd/disabled" if where == "disabled" else "argocd"
            files[f"{folder}/operator.yaml"] = application("operator", "apps/operator", "monitoring")
            files["apps/operator/Chart.yaml"] = "apiVersion: v2\nname: operator\nversion: 0.1.0\n"
            # installing a CRD only while it is absent must not make the walks alternate
            gate = ABSENT_GATE if where == "only-while-absent" else "{{- if true }}\n"
            files["apps/operator/templates/crd.yaml"] = gate + SERVICE_MONITOR_CRD + "{{- end }}\n"
        root = git_repo(tmp_path / "repo", files)
        assert main(["inventory", "apps", "--root", str(root), "--format", "json", str(root)]) == 0
    apps = {a["name"]: a for a in json.loads(capsys.readouterr().out)["applications"]}
    assert apps["web"]["sources"][0]["objects"] == (1 if where == "disabled" else 2)
    assert apps["operator"]["sources"][0]["objects"] == (0 if where == "only-while-absent" else 1)
    if where == "templates":
        # the operator chart never looks at APIVersions: rendered once, cached without them; the
        # web chart's entry says it does, and it is cached for each set it was rendered with
        entries = [json.loads(p.read_text()) for p in (online / "renders").rglob("*.json")]
        renders = [e for e in entries if isinstance(e, dict) and "manifests" in e]
        assert (len(renders), entries.count({"reads": "apiVersions"})) == (3, 1)


def test_which_charts_can_see_api_versions(tmp_path: Path) -> None:
    def archive(templates: dict[str, str], subchart: dict[str, str] | None = None) -> bytes:
        chart = write_chart(tmp_path / "src" / str(len(list(tmp_path.rglob("*.tgz")))), "c", templates=templates)
        if subchart is not None:
            sub = write_chart(tmp_path / "sub", "lib", templates=subchart)
            (chart / "charts").mkdir()
            package(sub, chart / "charts")
        return package(chart, tmp_path / "dist" / chart.parent.name).read_bytes()

    kube_only = {"a.yaml": '{{ if semverCompare ">=1.30" .Capabilities.KubeVersion.Version }}{{ end }}\n'}
    assert not reads_api_versions(archive(kube_only), {"replicas": 1})
    assert reads_api_versions(archive(kube_only), {"extra": '{{ .Capabilities.APIVersions.Has "x/v1" }}'})  # tpl
    assert reads_api_versions(archive({"a.yaml": "{{ toYaml .Capabilities }}\n"}), {})
    helper = {"_helpers.tpl": '{{ define "lib.has" }}{{ .Capabilities.APIVersions.Has "x/v1" }}{{ end }}\n'}
    assert reads_api_versions(archive(kube_only, subchart=helper), {})
    assert reads_api_versions(b"not an archive", {})  # Helm will say what is wrong; no sharing


def with_source_options(app: str, path: str, options: str) -> str:
    """`app` (from conftest.application) with `options` (YAML lines) under its source."""
    indented = "".join(f"    {line}\n" for line in options.splitlines())
    return app.replace(f"    path: {path}\n", f"    path: {path}\n{indented}")


@pytest.mark.parametrize(("api_versions", "objects"), [(None, 2), ("[example.com/v1]", 1)])
def test_an_applications_helm_api_versions_replace_the_clusters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], api_versions: str | None, objects: int
) -> None:
    # Argo CD passes helm.apiVersions instead of the cluster's list (GetAPIVersionsOrDefault): the
    # CRD the repository installs then no longer opens the gate.
    app = application("web", "apps/web")
    if api_versions is not None:
        app = with_source_options(app, "apps/web", f"helm:\n  apiVersions: {api_versions}")
    files = {
        "argocd/web.yaml": app,
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/values.yaml": "monitorNamespace: web\n",
        "apps/web/templates/monitor.yaml": MONITOR_TEMPLATE,
        "apps/web/templates/pvc.yaml": PVC,
        "argocd/crds.yaml": application("crds", "crds", "monitoring"),
        "crds/servicemonitor.yaml": SERVICE_MONITOR_CRD,
    }
    root = git_repo(tmp_path / "repo", files)
    assert source_objects(root, capsys)["web"] == objects


def test_application_chart_from_a_helm_repository_with_values_ref(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_repo.url  # type: ignore[attr-defined]
    app = chart_with_values_ref("db", url, "db", "1.3.0", "env/prod/db.yaml")
    root = git_repo(
        tmp_path / "repo", {"argocd/db.yaml": app, "env/prod/db.yaml": "auth:\n  existingSecret: prod-db-credentials\n"}
    )
    _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    assert findings(document) == [("env/prod/db.yaml", 2, "SS001")]
    assert "prod-db-credentials" in document["findings"][0]["message"]


def test_a_value_an_upstream_template_reads_through_a_helper_points_at_the_values_line(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the renovate chart does it: `name: {{ include "job.secretName" . }}`, the helper reading
    `.Values.existingSecret`; the template line shows no `.Values`, the user's values do."""
    helper = '{{- define "job.secretName" -}}{{ .Values.existingSecret | default "job-env" }}{{- end -}}\n'
    cronjob = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  schedule: '@hourly'\n"
        "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n"
        "          containers:\n            - name: job\n              image: job:1\n              envFrom:\n"
        '                - secretRef:\n                    name: {{ include "job.secretName" . }}\n'
    )
    upstream = write_chart(
        tmp_path / "src", "job", version="2.0.0", templates={"_helpers.tpl": helper, "cronjob.yaml": cronjob}
    )
    with http_repo(tmp_path / "served") as served:
        served.publish(package(upstream, tmp_path / "dist"))
        app = chart_with_values_ref("job", served.url, "job", "2.0.0", "env/job.yaml")
        values = "schedule: daily\nexistingSecret: job-token\n"
        root = git_repo(tmp_path / "repo", {"argocd/job.yaml": app, "env/job.yaml": values})
        _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    assert findings(document) == [("env/job.yaml", 2, "SS001")]
    assert "job-token" in document["findings"][0]["message"]


def test_a_hostile_schema_reference_is_not_followed(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "outside.json"
    secret.write_text('{"properties": {"replicas": {"type": "string"}}, "required": ["leaked-S3CRET"]}')
    schema = json.dumps({"$ref": f"file://{secret}"})
    upstream = write_chart(
        tmp_path / "src", "db", version="1.2.0", templates=DB_TEMPLATES, values=DB_VALUES, schema=schema
    )
    with http_repo(tmp_path / "served") as served:
        served.publish(package(upstream, tmp_path / "dist"))
        root = git_repo(tmp_path / "repo", wrapper(served.url, version="1.2.0"))
        _, document = lint_json(root, capsys=capsys)
    assert "S3CRET" not in json.dumps(document)
    assert ("apps/web/values.yaml", 3, "SS001") in findings(document)  # the chart rendered


def test_file_dependency_outside_the_repository_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = write_chart(
        tmp_path, "evil", templates={"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"}
    )
    assert outside.exists()
    files = wrapper("file://../../../evil", version="1.0.0")
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "LD010", capsys=capsys)
    [finding] = document["findings"]
    assert "`file://../../../evil`: it leaves the repository" in finding["message"]


def test_an_unchanged_chart_is_not_rendered_again(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from linter.loaders.helm import render

    root = git_repo(tmp_path / "repo", wrapper(db_repo.url))  # type: ignore[attr-defined]
    _, first = lint_json(root, capsys=capsys)
    calls: list[str] = []
    real = render.render_chart
    monkeypatch.setattr(render, "render_chart", lambda *a, **k: calls.append("render") or real(*a, **k))
    _, warm = lint_json(root, capsys=capsys)
    assert warm["findings"] == first["findings"] and calls == []
    values = root / "apps/web/values.yaml"
    values.write_text(values.read_text().replace("web-db-credentials", "other-credentials"))
    _, changed = lint_json(root, capsys=capsys)
    assert calls == ["render"]  # only the release whose values changed
    assert any("other-credentials" in f["message"] for f in changed["findings"])


def kustomize_app(helm_chart: str) -> dict[str, str]:
    """An Application on a kustomize folder whose kustomization renders one `helmCharts` entry."""
    return {
        "argocd/web.yaml": application("web", "kustomize/web"),
        "kustomize/web/kustomization.yaml": (
            "namespace: web\nhelmCharts:\n" + helm_chart + "resources:\n  - pvc.yaml\n"
        ),
        "kustomize/web/pvc.yaml": PVC,
    }


def test_kustomize_helm_chart_from_a_repository(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = (
        f"  - name: db\n    repo: {db_repo.url}\n    version: 1.3.0\n    releaseName: web\n"  # type: ignore[attr-defined]
        "    valuesInline:\n      auth:\n        existingSecret: web-db-credentials\n"
        "      storageClass:\n        create: true\n        name: fast\n"
    )
    root = git_repo(tmp_path / "repo", kustomize_app(entry))
    _, document = lint_json(root, "--select", "SS001,SC001,LD010,AR007", capsys=capsys)
    # the Secret is named in valuesInline; the chart's StorageClass satisfies the kustomization's PVC
    assert findings(document) == [("kustomize/web/kustomization.yaml", 9, "SS001")]
    assert source_objects(root, capsys) == {"web": 3}  # PVC, the chart's Deployment and StorageClass


def test_kustomize_helm_chart_from_chart_home_gets_the_kustomization_namespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = kustomize_app("  - name: db\n    releaseName: web\n    valuesFile: db-values.yaml\n") | {
        "kustomize/web/db-values.yaml": "auth:\n  existingSecret: web-db-credentials\n",
        "kustomize/web/charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        "kustomize/web/charts/db/values.yaml": DB_VALUES,
        "kustomize/web/charts/db/templates/deployment.yaml": DB_TEMPLATES["deployment.yaml"],
        "kustomize/web/secret.yaml": (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-db-credentials\ntype: Opaque\n"
            "data:\n  password: cGFzcw==\n"
        ),
    }
    files["kustomize/web/kustomization.yaml"] = files["kustomize/web/kustomization.yaml"].replace(
        "  - pvc.yaml\n", "  - secret.yaml\n"
    )
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "SS001,LD010,AR007", capsys=capsys)
    assert findings(document) == []  # the chart's Deployment and the Secret both land in `web`
    files["kustomize/web/db-values.yaml"] = "auth:\n  existingSecret: web-db-credentails\n"
    (root / "kustomize/web/db-values.yaml").write_text(files["kustomize/web/db-values.yaml"])
    _, document = lint_json(root, "--select", "SS001", capsys=capsys)
    assert findings(document) == [("kustomize/web/db-values.yaml", 2, "SS001")]
    assert document["findings"][0]["suggestions"] == ["web-db-credentials"]


def test_a_committed_archive_older_than_chart_lock_is_reported_and_rendered_as_committed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upstream = write_chart(tmp_path / "src", "db", version="1.2.0", templates=DB_TEMPLATES, values=DB_VALUES)
    archive = package(upstream, tmp_path / "dist")
    lock = "dependencies:\n  - name: db\n    repository: https://charts.example.com\n    version: 1.3.0\n"
    files = wrapper(
        "https://charts.example.com",
        version="1.3.0",
        lock=lock + 'digest: sha256:0\ngenerated: "2026-01-01T00:00:00Z"\n',
    )
    root = tmp_path / "repo"
    (root / "apps/web/charts").mkdir(parents=True)
    (root / "apps/web/charts" / archive.name).write_bytes(archive.read_bytes())
    git_repo(root, files)
    _, document = lint_json(root, "--select", "CH005,SS001,LD010", capsys=capsys)
    assert findings(document) == [("apps/web/Chart.yaml", 6, "CH005"), ("apps/web/values.yaml", 3, "SS001")]
    assert "is version `1.2.0`, but Chart.lock pins `1.3.0`" in document["findings"][0]["message"]


def test_a_chart_lock_out_of_sync_is_reported_and_the_constraint_is_rendered(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_repo.url  # type: ignore[attr-defined]
    lock = (
        f"dependencies:\n  - name: db\n    repository: {url}\n    version: 1.2.0\n"
        'digest: sha256:0\ngenerated: "2026-01-01T00:00:00Z"\n'
    )
    root = git_repo(tmp_path / "repo", wrapper(url, version="~1.3.0", lock=lock))
    _, document = lint_json(root, "--select", "CH004,SS001,LD010", capsys=capsys)
    # helm dependency build refuses such a lock (CH004); the linter renders what Chart.yaml asks for
    assert findings(document) == [("apps/web/Chart.yaml", 5, "CH004"), ("apps/web/values.yaml", 3, "SS001")]
    assert "/db-1.3.0.tgz" in db_repo.requests and "/db-1.2.0.tgz" not in db_repo.requests  # type: ignore[attr-defined]


def test_the_action_cache_key_follows_the_charts_asked_for(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "repo", wrapper("https://charts.example.com", version="1.2.0"))
    output = tmp_path / "github-output"
    script = Path(__file__).parent.parent / ".github" / "scripts" / "charts.sh"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(output)}

    def key() -> str:
        done = subprocess.run(
            ["bash", str(script), "key"], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return dict(line.split("=", 1) for line in done.stdout.splitlines())["key"]

    first = key()
    assert f"dir={os.environ['M0SH1_LINT_CACHE_DIR']}" in output.read_text()
    (root / "apps/web/values.yaml").write_text("db: {}\n")
    assert key() == first  # values do not change which charts are needed
    chart = root / "apps/web/Chart.yaml"
    chart.write_text(chart.read_text().replace("version: 1.2.0", "version: 1.3.0"))
    assert key() != first


def test_a_warm_run_resolves_ranges_from_the_cached_listing_and_pull_asks_again(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_repo(tmp_path / "repo", wrapper(db_repo.url))  # type: ignore[attr-defined]
    _, first = lint_json(root, capsys=capsys)
    _, second = lint_json(root, capsys=capsys)
    assert second["findings"] == first["findings"]
    assert db_repo.requests == ["/index.yaml", "/db-1.3.0.tgz"]  # type: ignore[attr-defined]
    assert main(["charts", "pull", "--root", str(root), str(root)]) == 0
    assert "ok       `db` from " in capsys.readouterr().out
    assert db_repo.requests == ["/index.yaml", "/db-1.3.0.tgz", "/index.yaml"]  # type: ignore[attr-defined]


def test_a_chart_cache_committed_to_the_repository_is_refused(
    tmp_path: Path, online: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pull request could commit cache entries that choose which archive a version is.
    monkeypatch.delenv("M0SH1_LINT_CACHE_DIR")
    files = wrapper("https://charts.example.com", version="1.2.0")
    files[".m0sh1-lint.yaml"] = "charts:\n  cacheDir: .chart-cache\n"
    files[".chart-cache/refs/x/1.2.0.json"] = '{"version": "1.2.0", "digest": "0"}'
    root = git_repo(tmp_path / "repo", files)
    assert main(["lint", "--root", str(root), str(root)]) == 2
    assert "charts.cacheDir `.chart-cache` holds files committed to git" in capsys.readouterr().err
    subprocess.run(["git", "rm", "-rq", "--cached", ".chart-cache"], cwd=root, check=True)
    assert main(["lint", "--root", str(root), "--select", "LD010", str(root)]) == 1  # untracked: used


def test_an_unreachable_host_is_remembered_for_a_few_minutes(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from linter.loaders.fetch import fetcher

    calls: list[str] = []

    class Counting(fetcher.Worker):  # type: ignore[misc, name-defined]
        def call(self, request: dict, deadline_s: float) -> dict:  # type: ignore[type-arg]
            calls.append(request["op"])
            return super().call(request, deadline_s)

    monkeypatch.setattr(fetcher, "Worker", Counting)
    root = git_repo(tmp_path / "repo", wrapper("http://127.0.0.1:9"))
    _, first = lint_json(root, "--select", "LD010", capsys=capsys)
    assert calls == ["repo_index"]
    _, second = lint_json(root, "--select", "LD010", capsys=capsys)
    assert second["findings"] == first["findings"] and calls == ["repo_index"]  # nothing asked again
    main(["charts", "pull", "--root", str(root), str(root)])
    assert calls == ["repo_index", "repo_index"]  # pull always tries


def test_credentials_go_only_to_the_host_and_path_they_are_for() -> None:
    from linter.loaders.fetch.credentials import Credential, Credentials
    from linter.loaders.fetch.sources import ChartSource

    given = Credentials(
        {"https://charts.corp/team": Credential("u", "p"), "oci://registry.corp": Credential("o", "p")},
        {"ghcr.io": Credential("g", "p")},
    )
    sent = {
        repo: given.for_source(ChartSource("oci" if repo.startswith("oci://") else "http", repo, "c"))
        for repo in (
            "https://charts.corp/team",
            "https://charts.corp/team/sub",
            "https://charts.corp/teammates",
            "https://charts.corp.evil.example/team",
            "https://charts.corp@evil.example/team",
            "http://charts.corp/team",
            "oci://registry.corp/x",
            "oci://registry.corp.evil.example/x",
            "oci://ghcr.io/org",
        )
    }
    assert {repo for repo, credential in sent.items() if credential} == {
        "https://charts.corp/team",
        "https://charts.corp/team/sub",
        "oci://registry.corp/x",
        "oci://ghcr.io/org",
    }


def test_a_short_version_is_a_constraint_as_in_helm(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_repo(tmp_path / "repo", wrapper(db_repo.url, version="1.2"))  # type: ignore[attr-defined]
    _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]
    assert "/db-1.2.0.tgz" in db_repo.requests  # type: ignore[attr-defined]


@pytest.mark.parametrize("cache_dir", [":!*", "self/c", "."], ids=["pathspec-magic", "symlink", "the-repository"])
def test_a_chart_cache_the_repository_could_control_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cache_dir: str
) -> None:
    monkeypatch.delenv("M0SH1_LINT_CACHE_DIR")
    files = wrapper("https://charts.example.com", version="1.2.0")
    files[".m0sh1-lint.yaml"] = f"charts:\n  cacheDir: '{cache_dir}'\n"
    if cache_dir == ":!*":
        files[":!*/refs/x/1.2.0.json"] = '{"version": "1.2.0", "digest": "0"}'
    if cache_dir == "self/c":
        files["c/refs/x/1.2.0.json"] = '{"version": "1.2.0", "digest": "0"}'
    root = tmp_path / "repo"
    if cache_dir == "self/c":
        root.mkdir()
        os.symlink(".", root / "self")
    git_repo(root, files)
    for command in (["lint", "--root", str(root), str(root)], ["cache", "prune", "--root", str(root)]):
        assert main(command) == 2, command
        assert "charts.cacheDir" in capsys.readouterr().err
    assert (root / "apps/web/Chart.yaml").exists()  # prune touched nothing


def test_a_warm_run_is_served_from_the_recent_set_and_a_damaged_one_is_rebuilt(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    root = git_repo(tmp_path / "repo", wrapper(db_repo.url))  # type: ignore[attr-defined]
    _, first = lint_json(root, capsys=capsys)
    [recent] = list((online / "recent").glob("*.marshal"))
    record = read_recent(recent)
    assert record["root"] == str(root.resolve())
    kinds = {key.split("-", 1)[0] for key in record["entries"]}
    assert {"parsed", "positions"} <= kinds  # parsed files and rendered output, and where their lines are
    # renders/ gone (pruned): the recent set alone serves the run, nothing is rendered again
    subprocess.run(["rm", "-rf", str(online / "renders")], check=True)
    _, warm = lint_json(root, "--offline", capsys=capsys)
    assert warm["findings"] == first["findings"]
    assert not (online / "renders").exists()
    damaged = bytearray(recent.read_bytes())
    damaged[-10] ^= 0xFF  # one flipped byte: the digest no longer matches
    recent.write_bytes(bytes(damaged))
    assert read_recent(recent) is None
    _, damaged = lint_json(root, "--offline", capsys=capsys)
    assert damaged["findings"] == first["findings"]
    assert read_recent(recent)["entries"].keys() == record["entries"].keys()


def test_the_recent_set_keeps_earlier_entries_only_while_they_are_few(tmp_path: Path) -> None:
    from linter.loaders.fetch.cache import ChartCache

    cache, repo = ChartCache(tmp_path / "cache"), tmp_path / "repo"
    repo.mkdir()

    def kept() -> set[str]:
        [recent] = list((tmp_path / "cache" / "recent").glob("*.marshal"))
        return set(read_recent(recent)["entries"])

    with cache.recent(repo):  # a full run
        for i in range(200):
            cache.store_render(f"k{i}", i)
    with cache.recent(repo):  # a --changed run uses fewer: the full run's entries stay
        assert [cache.render(f"k{i}") for i in range(100)] == list(range(100))
    assert kept() == {f"k{i}" for i in range(200)}
    with cache.recent(repo):  # far fewer than are kept: only these are
        assert [cache.render(f"k{i}") for i in range(50)] == list(range(50))
    assert kept() == {f"k{i}" for i in range(50)}


def test_a_cache_entry_nested_too_deep_is_a_miss(tmp_path: Path) -> None:
    from linter.loaders.fetch.cache import ChartCache

    cache = ChartCache(tmp_path / "cache")
    cache.store_render("shallow", {"manifests": {}})
    for key, depth in (("deep", 100_000), ("deepish", 980)):  # json refuses the first, interning the second
        (tmp_path / "cache" / "renders" / key[:2]).mkdir(parents=True, exist_ok=True)
        (tmp_path / "cache" / "renders" / key[:2] / f"{key}.json").write_text("[" * depth + "]" * depth)
        assert cache.render(key) is None
    assert cache.render("shallow") == {"manifests": {}}


def test_only_the_recent_sets_of_the_last_repositories_are_kept(tmp_path: Path) -> None:
    from linter.loaders.fetch.cache import RECENT_REPOSITORIES, ChartCache

    cache = ChartCache(tmp_path / "cache")
    for i in range(RECENT_REPOSITORIES + 3):
        repo = tmp_path / f"checkout-{i}"
        repo.mkdir()
        with cache.recent(repo):
            cache.store_render(f"k{i}", i)
        [written] = [
            p
            for p in (tmp_path / "cache" / "recent").glob("*.marshal")
            if read_recent(p)["root"] == str(repo.resolve())
        ]
        os.utime(written, (i, i))  # linted in this order
    roots = sorted(read_recent(p)["root"] for p in (tmp_path / "cache" / "recent").glob("*.marshal"))
    assert len(roots) == RECENT_REPOSITORIES
    assert str((tmp_path / "checkout-0").resolve()) not in roots  # the oldest went first


def test_cache_prune_removes_what_was_not_used_lately_recent_sets_included(tmp_path: Path) -> None:
    from linter.catalog.load import load_catalog
    from linter.loaders.fetch.cache import ChartCache

    cache = ChartCache(tmp_path / "cache")
    stale_repo, fresh_repo = tmp_path / "old-checkout", tmp_path / "repo"
    for repo in (stale_repo, fresh_repo):
        repo.mkdir()
        with cache.recent(repo):
            cache.store_render(f"render-of-{repo.name}", {"manifests": {}})
    cache.store("https://charts.example/db", "db", "1.0.0", b"archive bytes")
    load_catalog(memo_dir=tmp_path / "cache" / "catalog")  # the bundled rules' memo
    long_ago = 1_000_000_000  # 2001: nothing was used since, but the fresh repository's recent set
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file() and not (
            path.suffix == ".marshal" and read_recent(path)["root"] == str(fresh_repo.resolve())
        ):
            os.utime(path, (long_ago, long_ago))
    removed, _ = cache.prune(older_than_days=30)
    left = sorted(p.relative_to(tmp_path / "cache").parts[0] for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert removed >= 5  # the archive, its version record, both renders, the stale recent set, the memo
    assert [read_recent(p)["root"] for p in (tmp_path / "cache" / "recent").glob("*.marshal")] == [
        str(fresh_repo.resolve())
    ]
    assert "charts" not in left and "renders" not in left and "catalog" not in left


LOCAL_DB = "upstream/db"


def local_wrapper(tmp_path: Path, version: str, name: str = "db", db_chart_yaml_extra: str = "") -> dict[str, str]:
    """The wrapper depending on `upstream/db` (chart `name`) through `file://`."""
    files = wrapper(f"file://../../{LOCAL_DB}", version=version)
    files[f"{LOCAL_DB}/Chart.yaml"] = f"apiVersion: v2\nname: {name}\nversion: 1.2.0\n{db_chart_yaml_extra}"
    files[f"{LOCAL_DB}/values.yaml"] = DB_VALUES
    for template, text in DB_TEMPLATES.items():
        files[f"{LOCAL_DB}/templates/{template}"] = text
    return files


@pytest.mark.parametrize(
    ("version", "name", "expected"),
    [
        ("~1.2.0", "db", None),
        ("~1.3.0", "db", "`file://../../upstream/db` holds `db` 1.2.0, which `~1.3.0` does not allow"),
        ("", "db", "an entry without `version` cannot match"),
        ("~1.2.0", "database", "`upstream/db` is chart `database`, not `db`"),
    ],
)
def test_a_file_dependency_must_be_the_chart_and_version_it_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version: str, name: str, expected: str | None
) -> None:
    # helm dependency build packs a file:// chart only when its name is the entry's and its
    # version satisfies the entry's constraint; otherwise it fails, and Argo CD with it
    root = git_repo(tmp_path / "repo", local_wrapper(tmp_path, version, name))
    _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    if expected is None:
        assert findings(document) == [("apps/web/values.yaml", 3, "SS001")]
        return
    [finding] = document["findings"]
    assert (finding["rule"], finding["file"], finding["line"]) == (
        "LD010",
        "apps/web/Chart.yaml",
        5,
    )
    assert expected in finding["message"]
    assert finding["hint"].startswith("Point `repository: file://…`" if version else "Give the dependency a `version`")


def test_the_dependencies_of_a_file_dependency_are_not_built(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    # Helm packs a file:// chart as committed (helm#2247): its own remote dependency is not
    # fetched, and the linter says so at the line that declares it
    url = db_repo.url  # type: ignore[attr-defined]
    extra = f"dependencies:\n  - name: cache\n    version: 1.0.0\n    repository: {url}\n"
    root = git_repo(tmp_path / "repo", local_wrapper(tmp_path, "~1.2.0", db_chart_yaml_extra=extra))
    _, document = lint_json(root, "--select", "SS001,LD010", capsys=capsys)
    assert findings(document) == [("apps/web/values.yaml", 3, "SS001"), (f"{LOCAL_DB}/Chart.yaml", 5, "LD010")]
    nested = document["findings"][1]
    assert "`upstream/db` is a `file://` dependency of `apps/web`" in nested["message"]
    assert nested["hint"].startswith("Make it a dependency of the chart Argo CD renders")
    assert db_repo.requests == []  # type: ignore[attr-defined]


def test_a_remote_dependency_without_a_version_is_not_fetched(
    tmp_path: Path, online: Path, db_repo: object, capsys: pytest.CaptureFixture[str]
) -> None:
    files = wrapper(db_repo.url, version='""')  # type: ignore[attr-defined]
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "LD010", capsys=capsys)
    [finding] = document["findings"]
    assert "it has no `version`" in finding["message"] and finding["hint"].startswith("Give the dependency")
    assert db_repo.requests == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("archive_name", "chart_name", "vendored"),
    [("db-1.2.0.tgz", "db", True), ("renamed.tgz", "db", True), ("db-ext-1.2.0.tgz", "db-ext", False)],
)
def test_a_committed_archive_is_the_chart_its_chart_yaml_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_name: str, chart_name: str, vendored: bool
) -> None:
    # Helm knows a subchart in charts/ by the name in its Chart.yaml, not by the file name
    upstream = write_chart(tmp_path / "src", chart_name, version="1.2.0", templates=DB_TEMPLATES, values=DB_VALUES)
    root = tmp_path / "repo"
    (root / "apps/web/charts").mkdir(parents=True)
    (root / "apps/web/charts" / archive_name).write_bytes(package(upstream, tmp_path / "dist").read_bytes())
    git_repo(root, wrapper("https://charts.example.invalid", version="1.2.0"))
    _, document = lint_json(root, "--offline", "--select", "LD010", capsys=capsys)
    assert [f["rule"] for f in document["findings"]] == ([] if vendored else ["LD010"])


@pytest.mark.parametrize(
    ("entry_api_versions", "app_api_versions", "installs_crd", "objects"),
    [
        (None, None, False, 1),
        ("[monitoring.coreos.com/v1/ServiceMonitor]", None, False, 2),  # the entry's own win over the flags
        ("[example.com/v1]", None, True, 1),
        (None, None, True, 2),
        (None, "[example.com/v1]", True, 1),  # the Application's list replaces the cluster's
        (None, "[monitoring.coreos.com/v1/ServiceMonitor]", False, 2),
    ],
)
def test_kustomize_helm_charts_see_the_api_versions_argo_cd_passes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    entry_api_versions: str | None,
    app_api_versions: str | None,
    installs_crd: bool,
    objects: int,
) -> None:
    # Argo CD runs kustomize with --helm-api-versions (the Application's kustomize.apiVersions,
    # else the cluster's); a helmCharts entry's own apiVersions win, as kustomize reads the
    # entry after the flags (HelmChartInflationGenerator.Config)
    entry = "  - name: mon\n    releaseName: web\n"
    if entry_api_versions is not None:
        entry += f"    apiVersions: {entry_api_versions}\n"
    files = kustomize_app(entry) | {
        "kustomize/web/charts/mon/Chart.yaml": "apiVersion: v2\nname: mon\nversion: 1.0.0\n",
        "kustomize/web/charts/mon/values.yaml": "monitorNamespace: web\n",
        "kustomize/web/charts/mon/templates/monitor.yaml": MONITOR_TEMPLATE,
    }
    if app_api_versions is not None:
        options = f"kustomize:\n  apiVersions: {app_api_versions}"
        files["argocd/web.yaml"] = with_source_options(files["argocd/web.yaml"], "kustomize/web", options)
    if installs_crd:
        files |= {"argocd/crds.yaml": application("crds", "crds", "monitoring"), "crds/sm.yaml": SERVICE_MONITOR_CRD}
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "AR013", capsys=capsys)
    assert document["findings"] == []  # the Application's kustomize.apiVersions is applied
    assert source_objects(root, capsys)["web"] == objects


def test_a_kustomize_helm_chart_without_release_name_is_release_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # kustomize passes no name to `helm template`, whose default release name is `release-name`
    files = kustomize_app("  - name: db\n") | {
        "kustomize/web/charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        "kustomize/web/charts/db/values.yaml": "auth:\n  existingSecret: ''\n",
        "kustomize/web/charts/db/templates/deployment.yaml": DB_TEMPLATES["deployment.yaml"].replace(
            "{{ .Values.auth.existingSecret }}", "{{ .Release.Name }}-db"
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "SS001", capsys=capsys)
    [finding] = document["findings"]
    assert "`release-name-db`" in finding["message"]


NAMESPACED_SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: {{ .Release.Namespace }}\n"
    "type: Opaque\nstringData:\n  password: x\n"
)


def reads_creds_chart(prefix: str) -> dict[str, str]:
    """A chart whose Deployment (no namespace) reads the Secret it makes in the release namespace."""
    deployment = DB_TEMPLATES["deployment.yaml"].replace("{{ .Values.auth.existingSecret }}", "creds")
    return {
        f"{prefix}/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        f"{prefix}/templates/deployment.yaml": deployment,
        f"{prefix}/templates/secret.yaml": NAMESPACED_SECRET,
    }


@pytest.mark.parametrize(("helm_namespace", "found"), [(None, False), ("other", True)])
def test_an_object_without_namespace_lands_in_the_destination_namespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], helm_namespace: str | None, found: bool
) -> None:
    # helm.namespace is what templates see; Argo CD still puts a namespace-less object into the
    # destination namespace, so the Secret made in `other` is not the Deployment's in `web`
    app = application("web", "apps/web")
    if helm_namespace is not None:
        app = with_source_options(app, "apps/web", f"helm:\n  namespace: {helm_namespace}")
    root = git_repo(tmp_path / "repo", {"argocd/web.yaml": app} | reads_creds_chart("apps/web"))
    _, document = lint_json(root, "--select", "SS001", capsys=capsys)
    assert [f["rule"] for f in document["findings"]] == (["SS001"] if found else [])


@pytest.mark.parametrize(
    ("kustomization_namespace", "entry_namespace", "found"),
    [
        ("", "", True),  # `helm template` without --namespace: the Secret goes to `default`
        ("", "    namespace: web\n", False),
        ("namespace: web\n", "", False),  # the kustomization's namespace is the release's (≥ 5.8)
    ],
)
def test_a_kustomize_helm_chart_renders_in_the_entrys_or_the_kustomizations_namespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kustomization_namespace: str, entry_namespace: str, found: bool
) -> None:
    files = {
        "argocd/web.yaml": application("web", "kustomize/web"),
        "kustomize/web/kustomization.yaml": kustomization_namespace + "helmCharts:\n  - name: db\n" + entry_namespace,
    } | reads_creds_chart("kustomize/web/charts/db")
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "SS001,LD008", capsys=capsys)
    assert [f["rule"] for f in document["findings"]] == (["SS001"] if found else [])


def test_a_kustomize_base_helm_chart_takes_the_overlays_namespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # kustomize ≥ 5.8 hands the nearest including kustomization's namespace down (helmRootNamespace)
    files = {
        "argocd/web.yaml": application("web", "kustomize/overlay", namespace="prod"),
        "kustomize/overlay/kustomization.yaml": "namespace: prod\nresources:\n  - ../base\n",
        "kustomize/base/kustomization.yaml": "helmCharts:\n  - name: db\n",
        "kustomize/base/charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        "kustomize/base/charts/db/templates/cm.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  at: {{ .Release.Namespace }}\n"
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    assert source_objects(root, capsys) == {"web": 1}
    [entry] = build_directory(RepoFiles(root), DirectorySource("kustomize/overlay")).helm_charts
    assert entry.namespace == "prod"


@pytest.mark.parametrize(
    ("merge", "secret"),
    [(None, "inline-creds"), ("override", "inline-creds"), ("merge", "file-creds"), ("replace", "inline-creds")],
)
def test_kustomize_values_merge_decides_between_the_values_file_and_the_inline_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], merge: str | None, secret: str
) -> None:
    entry = "  - name: db\n    valuesFile: db-values.yaml\n"
    entry += "    valuesInline:\n      auth:\n        existingSecret: inline-creds\n"
    if merge is not None:
        entry += f"    valuesMerge: {merge}\n"
    files = kustomize_app(entry) | {
        "kustomize/web/db-values.yaml": "auth:\n  existingSecret: file-creds\nstorageClass:\n  create: false\n",
        "kustomize/web/charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        "kustomize/web/charts/db/values.yaml": DB_VALUES,
        "kustomize/web/charts/db/templates/deployment.yaml": DB_TEMPLATES["deployment.yaml"],
    }
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "SS001,LD007,LD008", capsys=capsys)
    [finding] = document["findings"]
    assert finding["rule"] == "SS001" and f"`{secret}`" in finding["message"]


@pytest.mark.parametrize(
    ("extra", "field", "reason"),
    [
        ("    valuesFile: missing.yaml\n", "valuesFile", "values file `missing.yaml` does not exist"),
        ("    additionalValuesFiles: [gone.yaml]\n", "additionalValuesFiles", "values file `gone.yaml` does not exist"),
        ("    valuesMerge: deep\n", "valuesMerge", "`valuesMerge: deep` is none of `override`, `merge`, `replace`"),
    ],
)
def test_a_helm_charts_entry_kustomize_refuses_is_ld008(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, field: str, reason: str
) -> None:
    files = kustomize_app("  - name: db\n" + extra) | reads_creds_chart("kustomize/web/charts/db")
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "LD008", capsys=capsys)
    [finding] = document["findings"]
    text = (root / "kustomize/web/kustomization.yaml").read_text().splitlines()
    assert finding["file"] == "kustomize/web/kustomization.yaml" and text[finding["line"] - 1].strip().startswith(field)
    assert reason in finding["message"]


@pytest.mark.parametrize(("skip_hooks", "objects"), [(False, 2), (True, 1)])
def test_kustomize_skip_hooks_leaves_every_hook_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], skip_hooks: bool, objects: int
) -> None:
    hook = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrate\n"
        "  annotations:\n    helm.sh/hook: pre-install\ndata: {}\n"
    )
    files = {
        "argocd/web.yaml": application("web", "kustomize/web"),
        "kustomize/web/kustomization.yaml": f"helmCharts:\n  - name: db\n    skipHooks: {str(skip_hooks).lower()}\n",
        "kustomize/web/charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        "kustomize/web/charts/db/templates/hook.yaml": hook,
        "kustomize/web/charts/db/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
    }
    root = git_repo(tmp_path / "repo", files)
    assert source_objects(root, capsys) == {"web": objects}


def test_helm_template_leaves_out_hooks_helm_does_not_know(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Helm's manifest sorter skips an object whose helm.sh/hook names an unknown event (Helm 2's
    # crd-install, a typo); known hooks stay (Argo CD runs them as PreSync/PostSync)
    def config_map(name: str, hook: str | None) -> str:
        annotations = f"  annotations:\n    helm.sh/hook: {hook}\n" if hook else ""
        return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{annotations}"

    templates = [config_map("a", "crd-install"), config_map("b", "pre-install, Post-Upgrade"), config_map("c", None)]
    files = {
        "argocd/web.yaml": application("web", "apps/web"),
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/templates/cm.yaml": "---\n".join(templates) + "---\n" + config_map("d", "pre-install,typo"),
        "apps/plain/cm.yaml": config_map("e", "crd-install"),
        "argocd/plain.yaml": application("plain", "apps/plain"),
    }
    root = git_repo(tmp_path / "repo", files)
    assert source_objects(root, capsys) == {
        "web": 2,
        "plain": 1,
    }  # a plain manifest with crd-install is a normal resource


@pytest.mark.parametrize(("chart_dir", "fetched"), [("charts/db-1.3.0/db", False), ("charts/db", True)])
def test_a_versioned_remote_helm_charts_entry_uses_a_chart_under_its_version_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], chart_dir: str, fetched: bool
) -> None:
    # with `version` and `repo`, kustomize looks in chartHome/<name>-<version>/<name> before it
    # pulls; a chart at chartHome/<name> is not the one it renders
    entry = "  - name: db\n    repo: https://charts.example.invalid\n    version: 1.3.0\n    releaseName: web\n"
    files = kustomize_app(entry) | {
        f"kustomize/web/{chart_dir}/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.3.0\n",
        f"kustomize/web/{chart_dir}/values.yaml": DB_VALUES,
        f"kustomize/web/{chart_dir}/templates/deployment.yaml": DB_TEMPLATES["deployment.yaml"],
    }
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--offline", "--select", "LD010", capsys=capsys)
    assert [f["rule"] for f in document["findings"]] == (["LD010"] if fetched else [])


def config_map_chart(prefix: str, name: str, dependency: str | None = None) -> dict[str, str]:
    """Chart `name` at `prefix` with one ConfigMap, depending on `file://../<dependency>`."""
    chart_yaml = f"apiVersion: v2\nname: {name}\nversion: 1.0.0\n"
    if dependency is not None:
        chart_yaml += (
            f"dependencies:\n  - name: {dependency}\n    version: 1.0.0\n    repository: file://../{dependency}\n"
        )
    cm = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-{{{{ .Release.Name }}}}\n"
    return {f"{prefix}/Chart.yaml": chart_yaml, f"{prefix}/templates/cm.yaml": cm}


@pytest.mark.parametrize("first", ["a", "b"])
def test_a_file_dependency_is_packed_without_the_dependencies_it_gets_where_it_is_rendered_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first: str
) -> None:
    # A → file://B → file://C. Rendering A packs B as committed (no C); rendering B itself builds C.
    # Whichever Application is walked first, neither archive stands in for the other.
    second = "b" if first == "a" else "a"
    files = {
        f"argocd/1-{first}.yaml": application(first, f"charts/{first}"),
        f"argocd/2-{second}.yaml": application(second, f"charts/{second}"),
        **config_map_chart("charts/a", "a", "b"),
        **config_map_chart("charts/b", "b", "c"),
        **config_map_chart("charts/c", "c"),
    }
    root = git_repo(tmp_path / "repo", files)
    assert source_objects(root, capsys) == {"a": 2, "b": 2}


@pytest.mark.parametrize(
    ("extra", "rules"),
    [
        ("    valuesMerge: ''\n", []),  # empty is the default, override
        ("    valuesFile: gone.yaml\n    valuesMerge: replace\n    valuesInline: {replicas: 1}\n", []),
        ("    valuesFile: https://example.com/values.yaml\n", ["LD007"]),
    ],
)
def test_a_helm_charts_entry_kustomize_accepts_is_no_ld008(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, rules: list[str]
) -> None:
    files = kustomize_app("  - name: db\n" + extra) | reads_creds_chart("kustomize/web/charts/db")
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--select", "LD007,LD008", capsys=capsys)
    assert [f["rule"] for f in document["findings"]] == rules


def test_a_helm_charts_name_that_leaves_the_repository_is_no_local_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = kustomize_app("  - name: ../../../../..\n") | {
        "Chart.yaml": "apiVersion: v2\nname: root\nversion: 1.0.0\n",
        "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: root\n",
    }
    root = git_repo(tmp_path / "repo", files)
    [entry] = build_directory(RepoFiles(root), DirectorySource("kustomize/web")).helm_charts
    assert entry.local_dir is None


def test_a_finding_in_a_subchart_directory_points_at_its_file_whatever_the_directory_is_called(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = wrapper("https://charts.example.invalid", version="1.2.0")
    sub = "apps/web/charts/database"
    files |= {
        f"{sub}/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.2.0\n",
        f"{sub}/values.yaml": DB_VALUES,
        f"{sub}/templates/deployment.yaml": DB_TEMPLATES["deployment.yaml"].replace(
            "{{ .Values.auth.existingSecret }}", "fixed-name"
        ),
    }
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--offline", "--select", "SS001", capsys=capsys)
    assert [(f["file"], f["rule"]) for f in document["findings"]] == [(f"{sub}/templates/deployment.yaml", "SS001")]


def test_a_kustomize_chart_that_cannot_be_had_may_make_secrets_where_its_objects_land(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the release namespace is `default`, but the chart's objects without a namespace land in the
    # destination namespace, so its Secret `web-db` may be the one the Deployment there reads
    deployment = DB_TEMPLATES["deployment.yaml"].replace("{{ .Release.Name }}-db", "app")
    deployment = deployment.replace("{{ .Values.auth.existingSecret }}", "web-db")
    files = {
        "argocd/web.yaml": application("web", "kustomize/web"),
        "kustomize/web/kustomization.yaml": (
            "helmCharts:\n  - name: db\n    repo: https://charts.example.invalid\n    version: 1.0.0\n"
            "    releaseName: web\nresources:\n  - deployment.yaml\n"
        ),
        "kustomize/web/deployment.yaml": deployment,
    }
    root = git_repo(tmp_path / "repo", files)
    _, document = lint_json(root, "--offline", "--select", "SS001,LD010", capsys=capsys)
    assert [f["rule"] for f in document["findings"]] == ["LD010"]


def test_a_fetched_chart_knows_its_packaged_subcharts_by_their_chart_yaml_names(tmp_path: Path) -> None:
    def chart_yaml(name: str, version: str) -> bytes:
        return f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode()

    dependencies = "".join(
        f"  - name: {name}\n    version: '*'\n    repository: https://charts.example.invalid\n"
        for name in ("xx", "yy", "zz", "ww")
    )
    archive = tgz(
        [
            ("app/Chart.yaml", chart_yaml("app", "1.0.0") + b"dependencies:\n" + dependencies.encode()),
            ("app/charts/xx-1.0.0-rc.1.tgz", tgz([("xx/Chart.yaml", chart_yaml("xx", "1.0.0-rc.1"))])),
            ("app/charts/renamed/Chart.yaml", chart_yaml("yy", "2.0.0")),
            ("app/charts/_zz-1.0.0.tgz", tgz([("zz/Chart.yaml", chart_yaml("zz", "1.0.0"))])),  # skipped by Helm
        ]
    )
    sources = TemplateSources(RepoFiles(tmp_path))
    chart = chart_from_archive(archive, "fetched", Location("argocd/app.yaml", 1, 1), sources)
    assert chart is not None and sorted(chart.vendored) == ["xx", "yy"]


CACHE_TEMPLATES = {  # a subchart's template named as its parent's: each must be traced in its own source
    "deployment.yaml": DB_TEMPLATES["deployment.yaml"]
    .replace("-db\n", "-cache\n")
    .replace("{app: db}", "{app: cache}")
    .replace(".Values.auth.existingSecret", ".Values.password.secretName")
}


def test_a_published_chart_with_a_packaged_subchart_is_traced_to_the_values_lines(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As charts are published: a schema the linter must make safe (so the archive Helm gets is
    not the one fetched) and a dependency packaged inside as charts/<name>-<version>.tgz."""
    cache = write_chart(tmp_path / "src", "cache", templates=CACHE_TEMPLATES, values="password:\n  secretName: x\n")
    schema = json.dumps({"properties": {"auth": {"$ref": "https://schemas.example.invalid/auth.json"}}})
    upstream = write_chart(
        tmp_path / "src", "db", version="1.3.0", templates=DB_TEMPLATES, values=DB_VALUES, schema=schema
    )
    package(cache, upstream / "charts")
    values = (
        "auth:\n  existingSecret: prod-db-credentials\ncache:\n  password:\n    secretName: prod-cache-credentials\n"
    )
    with http_repo(tmp_path / "served") as served:
        served.publish(package(upstream, tmp_path / "dist"))
        app = chart_with_values_ref("db", served.url, "db", "1.3.0", "env/prod/db.yaml")
        root = git_repo(tmp_path / "repo", {"argocd/db.yaml": app, "env/prod/db.yaml": values})
        _, document = lint_json(root, "--select", "SS001,LD", capsys=capsys)
    assert findings(document) == [("env/prod/db.yaml", 2, "SS001"), ("env/prod/db.yaml", 5, "SS001")]


def test_a_fetched_charts_secret_is_no_plaintext_committed_here(
    tmp_path: Path, online: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SS003 is about what the repository commits; a fetched chart's Secret, from its defaults or
    a literal in its template, is not (its objects point at the Application's line, which is no
    line of the template)."""
    secret = "".join(f"# line {n}\n" for n in range(1, 21)) + (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-admin\ndata:\n"
        "  admin-password: {{ .Values.adminPassword | b64enc }}\n  api-token: c2VjcmV0LXRva2Vu\n"
    )
    upstream = write_chart(
        tmp_path / "src", "grafana", templates={"secret.yaml": secret}, values="adminPassword: prom-operator\n"
    )
    with http_repo(tmp_path / "served") as served:
        served.publish(package(upstream, tmp_path / "dist"))
        app = (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: grafana\n  namespace: argocd\n"
            f"spec:\n  project: default\n  source:\n    repoURL: {served.url}\n    chart: grafana\n"
            "    targetRevision: 1.0.0\n  destination:\n    server: https://kubernetes.default.svc\n"
            "    namespace: monitoring\n"
        )
        root = git_repo(tmp_path / "repo", {"argocd/grafana.yaml": app})
        assert source_objects(root, capsys) == {"grafana": 1}
        _, document = lint_json(root, "--select", "SS003,LD", capsys=capsys)
    assert findings(document) == []
