"""ApplicationSets: the Applications their generators make, from git alone
(docs/reference/argocd.md §12).

Supported generators: `list`, `clusters` (the clusters of the config, and the in-cluster entry),
`git` directories and files (this repository's working tree), `matrix` (two children, the second
rendered with each parameter set of the first) and `merge` (`mergeKeys`); each may carry a
`selector`. Templates render as Argo CD renders them: fasttemplate (`{{param}}`, flat names,
unknown names left as written) or `goTemplate` (Go templates with sprig, rendered by Helm's
engine; `goTemplateOptions: [missingkey=error]` honoured), then `templatePatch`. Any error
means the ApplicationSet generates nothing, as in Argo CD. Generators that need an outside
system (SCM providers, pull requests, plugins, cluster decision resources) are reported.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ... import __version__
from ...core.kept import kept
from ...model import ClusterConfig, Problem, YamlDoc, YamlPath
from ...model.shapes import as_dict, as_list, metadata
from ..files import RepoFiles
from ..helm.engine import EngineError, TemplateError, helm_version, render_go_templates
from ..yaml import parse_documents
from .repos import ANOTHER_REPOSITORY_FIX, RepoIdentity

IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
OUTSIDE_SYSTEMS = ("scmProvider", "pullRequest", "clusterDecisionResource", "plugin")
_FAST_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_NORMALIZE = re.compile(r"[^a-z0-9.-]+")

Params = dict[str, Any]


class GeneratorError(Exception):
    """The ApplicationSet cannot be evaluated: Argo CD generates nothing for it either."""


class ExternalRepository(Exception):
    """A git generator that reads another repository: Argo CD generates from it, the linter
    cannot (AR012, as for an Application's source there)."""


class Unsupported(Exception):
    """A generator the linter cannot evaluate from git alone (an outside system, or a kind it
    does not know): its Applications are skipped, not guessed."""

    def __init__(self, kind: str) -> None:
        known = kind in OUTSIDE_SYSTEMS
        super().__init__(
            f"its `{kind}` generator needs an outside system"
            if known
            else f"its `{kind}` generator is not one the linter knows"
        )
        self.kind = kind


@dataclass(frozen=True)
class Generated:
    """One Application an ApplicationSet makes: its data, and where its template is written."""

    data: dict[str, Any]
    template_at: YamlPath  # the template's path in the ApplicationSet document


@dataclass
class Expansion:
    generated: list[Generated] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    files: RepoFiles
    repo: RepoIdentity
    clusters: tuple[ClusterConfig, ...]
    go: bool
    strict: bool
    guessed: list[str] = field(default_factory=list)  # parameters made up for lack of knowledge


def expand(
    doc: YamlDoc, namespace: str | None, files: RepoFiles, repo: RepoIdentity, clusters: tuple[ClusterConfig, ...]
) -> Expansion:
    """The Applications the ApplicationSet in `doc` (living in `namespace`) generates; nothing,
    with a problem, on error."""
    out = Expansion()
    spec = as_dict(as_dict(doc.data).get("spec"))
    name = str(metadata(doc.data).get("name") or "?")
    options = [str(o).replace(" ", "") for o in as_list(spec.get("goTemplateOptions"))]
    context = Context(files, repo, clusters, spec.get("goTemplate") is True, "missingkey=error" in options)
    template = as_dict(spec.get("template"))
    try:
        for index, generator in enumerate(as_list(spec.get("generators"))):
            at: YamlPath = ("spec", "generators", index)
            if not isinstance(generator, dict):
                raise GeneratorError(f"`spec.generators[{index}]` is not a mapping")
            try:
                parameter_sets = _select(generator, _params(generator, context), context)
            except (Unsupported, ExternalRepository) as exc:
                fields = {
                    "kind": "ApplicationSet",
                    "app": name,
                    "reason": f"{exc}; the Applications it makes are not checked",
                }
                if isinstance(exc, ExternalRepository):
                    problem = Problem(
                        "AR012", doc.location((*at, _kind(generator))), {**fields, "fix": ANOTHER_REPOSITORY_FIX}
                    )
                else:
                    problem = Problem("AR013", doc.location((*at, _kind(generator))), fields)
                out.problems.append(problem)
                continue
            own = _generator_template(generator)
            merged = _merge_template(own, template)
            for params in parameter_sets:
                app = _render(merged, params, context)
                patch = spec.get("templatePatch")
                if isinstance(patch, str) and patch.strip():
                    app = _patched(app, patch, params, context)
                meta = app.setdefault("metadata", {}) if isinstance(app, dict) else {}
                if isinstance(meta, dict):
                    meta["namespace"] = namespace  # always the ApplicationSet's own namespace
                out.generated.append(
                    Generated(app, ("spec", "template") if not own else (*at, _kind(generator), "template"))
                )
    except (GeneratorError, EngineError) as exc:
        reason = " ".join(str(exc).split())[:300]
        if context.guessed:  # the failure may be the guess's: a note, not an error
            reason = (
                f"{context.guessed[0]}, and with it the template fails ({reason}); its Applications are not checked"
            )
            problem = Problem(
                "AR013", doc.location(("spec", "generators")), {"kind": "ApplicationSet", "app": name, "reason": reason}
            )
        else:
            problem = Problem("AR014", doc.location(("spec", "generators")), {"app": name, "reason": reason})
        out.problems.append(problem)
        return Expansion(problems=out.problems)
    return _unique_names(out, doc, name)


def _unique_names(out: Expansion, doc: YamlDoc, appset: str) -> Expansion:
    """Argo CD skips every Application whose name two parameter sets give."""
    names: dict[str, int] = {}
    for generated in out.generated:
        key = str(metadata(generated.data).get("name") or "")
        names[key] = names.get(key, 0) + 1
    kept = []
    for generated in out.generated:
        key = str(metadata(generated.data).get("name") or "")
        if not key:
            reason = "a generated Application has no name"
        elif names[key] > 1:
            reason = f"{names[key]} parameter sets generate the name `{key}`, so Argo CD creates none of them"
        else:
            kept.append(generated)
            continue
        problem = Problem(
            "AR014", doc.location(("spec", "template", "metadata", "name")), {"app": appset, "reason": reason}
        )
        if problem not in out.problems:
            out.problems.append(problem)
    out.generated = kept
    return out


def _kind(generator: Mapping[str, Any]) -> str:
    return next((k for k in generator if k != "selector"), "")


def _generator_template(generator: Mapping[str, Any]) -> dict[str, Any]:
    inner = as_dict(generator.get(_kind(generator)))
    return as_dict(inner.get("template"))


def _merge_template(own: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """The generator's template, its empty fields filled from `spec.template` (never overwritten)."""
    out = copy.deepcopy(dict(own))
    for key, value in base.items():
        if key not in out or out[key] in (None, "", {}, [], 0, False):
            out[key] = copy.deepcopy(value)
        elif isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = _merge_template(out[key], value)
    return out


# --- parameter sets ------------------------------------------------------------------------


def _params(generator: Mapping[str, Any], context: Context) -> list[Params]:
    kind = _kind(generator)
    spec = as_dict(generator.get(kind))
    if kind == "list":
        return _list_params(spec, context)
    if kind == "clusters":
        return _cluster_params(spec, context)
    if kind == "git":
        return _git_params(spec, context)
    if kind == "matrix":
        return _matrix_params(spec, context)
    if kind == "merge":
        return _merge_params(spec, context)
    raise Unsupported(kind)


def _list_params(spec: Mapping[str, Any], context: Context) -> list[Params]:
    elements = [e for e in as_list(spec.get("elements")) if isinstance(e, dict)]
    if isinstance(spec.get("elementsYaml"), str):
        docs, problems = parse_documents(spec["elementsYaml"], "elementsYaml")
        if problems or (docs and not isinstance(docs[0].data, list)):
            raise GeneratorError("`elementsYaml` is not a YAML list of mappings")
        elements += [e for e in (docs[0].data if docs else []) if isinstance(e, dict)]
    if context.go:
        return [copy.deepcopy(e) for e in elements]
    out = []
    for element in elements:
        params: Params = {}
        for key, value in element.items():
            if key == "values" and isinstance(value, dict):
                params.update({f"values.{k}": str(v) for k, v in value.items()})
            elif isinstance(value, str):
                params[str(key)] = value
            else:
                raise GeneratorError(f"list element key `{key}` is not a string (fasttemplate needs strings)")
        out.append(params)
    return out


def normalize(name: str) -> str:
    """Argo CD's `normalize`: lowercase, anything but [a-z0-9.-] becomes `-`."""
    return _NORMALIZE.sub("-", name.lower()).strip("-")


def _cluster_params(spec: Mapping[str, Any], context: Context) -> list[Params]:
    selector = as_dict(spec.get("selector"))
    clusters = [c for c in context.clusters if _labels_match(c.labels, selector)]
    out: list[Params] = []
    for cluster in clusters:
        nested = {
            "name": cluster.name,
            "nameNormalized": normalize(cluster.name),
            "server": cluster.server or "",
            "project": "",
            "metadata": {"labels": dict(cluster.labels), "annotations": dict(cluster.annotations)},
        }
        out.append(_with_values(nested, spec, context))
    if not selector and not any(c.server == IN_CLUSTER_SERVER for c in context.clusters):
        local = {"name": "in-cluster", "nameNormalized": "in-cluster", "server": IN_CLUSTER_SERVER, "project": ""}
        out.append(_with_values(local, spec, context))
        if not context.clusters:
            context.guessed.append(
                "its clusters generator is taken to list only the local cluster (declare the "
                "clusters under argocd.clusters in .m0sh1-lint.yaml)"
            )
    return out


def _labels_match(labels: Mapping[str, str], selector: Mapping[str, Any]) -> bool:
    for key, value in as_dict(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expression in as_list(selector.get("matchExpressions")):
        if not isinstance(expression, dict):
            continue
        key, operator = str(expression.get("key")), expression.get("operator")
        values = [str(v) for v in as_list(expression.get("values"))]
        have = labels.get(key)
        if (operator == "In" and have not in values) or (operator == "NotIn" and have in values):
            return False
        if (operator == "Exists" and have is None) or (operator == "DoesNotExist" and have is not None):
            return False
    return True


def _git_params(spec: Mapping[str, Any], context: Context) -> list[Params]:
    url = str(spec.get("repoURL") or "")
    if context.repo.has_remote and not context.repo.is_this(url):
        raise ExternalRepository(f"its git generator reads `{url}`, another repository")
    prefix = str(spec.get("pathParamPrefix") or "")
    if spec.get("directories") is not None:
        return [
            _with_values(_path_params(d, None, prefix, context), spec, context)
            for d in _directories(spec, context.files)
        ]
    out: list[Params] = []
    for rel in _git_files(spec, context.files):
        for content in _file_objects(rel, context.files):
            directory = rel.rsplit("/", 1)[0] if "/" in rel else ""
            params = _path_params(directory, rel.rsplit("/", 1)[-1], prefix, context)
            merged = {**(content if context.go else _flatten(content)), **params}
            out.append(_with_values(merged, spec, context))
    return out


def _go_match(pattern: str, name: str) -> bool:
    """Go's path.Match: `*` and `?` do not cross `/`."""
    regex = ""
    for i, char in enumerate(pattern):
        if char == "*":
            regex += "[^/]*"
        elif char == "?":
            regex += "[^/]"
        elif char in "[]":
            regex += char if char == "]" or "]" in pattern[i:] else re.escape(char)
        else:
            regex += re.escape(char)
    try:
        return re.fullmatch(regex, name) is not None
    except re.error:
        return False


def _directories(spec: Mapping[str, Any], files: RepoFiles) -> list[str]:
    candidates = sorted(
        {"/".join(rel.split("/")[:depth]) for rel in files.files for depth in range(1, rel.count("/") + 1)}
    )
    entries = [e for e in as_list(spec.get("directories")) if isinstance(e, dict) and e.get("path")]
    include = [str(e["path"]) for e in entries if e.get("exclude") is not True]
    exclude = [str(e["path"]) for e in entries if e.get("exclude") is True]
    return [
        d for d in candidates if any(_go_match(p, d) for p in include) and not any(_go_match(p, d) for p in exclude)
    ]


def _git_files(spec: Mapping[str, Any], files: RepoFiles) -> list[str]:
    entries = [e for e in as_list(spec.get("files")) if isinstance(e, dict) and e.get("path")]
    include = [str(e["path"]) for e in entries if e.get("exclude") is not True]
    exclude = [str(e["path"]) for e in entries if e.get("exclude") is True]
    # git pathspec globbing: `*` crosses `/`, as fnmatch's does
    return sorted(
        rel
        for rel in files.files
        if any(fnmatch.fnmatchcase(rel, p) for p in include) and not any(fnmatch.fnmatchcase(rel, p) for p in exclude)
    )


def _file_objects(rel: str, files: RepoFiles) -> list[dict[str, Any]]:
    docs = files.yaml(rel) if rel.endswith((".yaml", ".yml")) else _json_docs(rel, files)
    data = docs[0].data if docs else {}
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return list(data)
    raise GeneratorError(f"`{rel}` is neither a mapping nor a list of mappings")


def _json_docs(rel: str, files: RepoFiles) -> list[YamlDoc]:
    text = files.read_text(rel)
    if text is None:
        return []
    docs, problems = parse_documents(text, rel)  # JSON is YAML
    if problems:
        raise GeneratorError(f"`{rel}` cannot be parsed")
    return docs


def _path_params(directory: str, filename: str | None, prefix: str, context: Context) -> Params:
    segments = [s for s in directory.split("/") if s]
    basename = segments[-1] if segments else ""
    if context.go:
        nested: Params = {
            "path": directory,
            "basename": basename,
            "basenameNormalized": normalize(basename),
            "segments": segments,
        }
        if filename is not None:
            nested.update({"filename": filename, "filenameNormalized": normalize(filename)})
        return {prefix: {"path": nested}} if prefix else {"path": nested}
    key = f"{prefix}.path" if prefix else "path"
    flat = {key: directory, f"{key}.basename": basename, f"{key}.basenameNormalized": normalize(basename)}
    flat.update({f"{key}[{i}]": segment for i, segment in enumerate(segments)})
    if filename is not None:
        flat.update({f"{key}.filename": filename, f"{key}.filenameNormalized": normalize(filename)})
    return flat


def _with_values(params: Params, spec: Mapping[str, Any], context: Context) -> Params:
    values = as_dict(spec.get("values"))
    if not values:
        return params
    rendered = {str(k): _render_string(str(v), params, context) for k, v in values.items()}
    if context.go:
        return {**params, "values": rendered}
    return {**params, **{f"values.{k}": v for k, v in rendered.items()}}


def _flatten(data: Any, prefix: str = "") -> Params:
    out: Params = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    elif prefix:
        out[prefix] = "<nil>" if data is None else (json.dumps(data) if isinstance(data, bool) else str(data))
    return out


def _matrix_params(spec: Mapping[str, Any], context: Context) -> list[Params]:
    children = [g for g in as_list(spec.get("generators")) if isinstance(g, dict)]
    if len(children) != 2:
        raise GeneratorError(f"a matrix generator needs exactly 2 child generators, not {len(children)}")
    out = []
    for first in _select(children[0], _params(children[0], context), context):
        second_spec = _render(children[1], first, context)
        for second in _select(second_spec, _params(second_spec, context), context):
            out.append(_combine(first, second, context))
    return out


def _combine(first: Params, second: Params, context: Context) -> Params:
    if context.go:
        return _deep_merge(second, first)  # the first child's values win
    for key in set(first) & set(second):
        if first[key] != second[key]:
            raise GeneratorError(f"matrix children disagree on parameter `{key}`")
    return {**first, **second}


def _deep_merge(base: Params, over: Params) -> Params:
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _merge_params(spec: Mapping[str, Any], context: Context) -> list[Params]:
    keys = [str(k) for k in as_list(spec.get("mergeKeys"))]
    children = [g for g in as_list(spec.get("generators")) if isinstance(g, dict)]
    if not keys or len(children) < 2:
        raise GeneratorError("a merge generator needs `mergeKeys` and at least 2 child generators")
    base = _keyed(_select(children[0], _params(children[0], context), context), keys)
    for child in children[1:]:
        for key, params in _keyed(_select(child, _params(child, context), context), keys).items():
            if key in base:
                base[key] = _deep_merge(base[key], params) if context.go else {**base[key], **params}
    return list(base.values())


def _keyed(sets: Sequence[Params], keys: Sequence[str]) -> dict[str, Params]:
    out: dict[str, Params] = {}
    for params in sets:
        key = json.dumps({k: params.get(k) for k in keys}, sort_keys=True, default=str)
        if key in out:
            raise GeneratorError(f"merge keys {', '.join(keys)} are not unique across the parameter sets")
        out[key] = params
    return out


def _select(generator: Mapping[str, Any], sets: list[Params], context: Context) -> list[Params]:
    selector = as_dict(generator.get("selector"))
    if not selector:
        return sets
    return [p for p in sets if _labels_match({k: str(v) for k, v in _flatten(p).items()}, selector)]


# --- rendering -----------------------------------------------------------------------------


def _strings(node: Any, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            out.append(str(key))
            _strings(value, out)
    elif isinstance(node, list):
        for item in node:
            _strings(item, out)


def _replaced(node: Any, rendered: Iterator[str]) -> Any:
    if isinstance(node, str):
        return next(rendered)
    if isinstance(node, dict):
        out = {}
        for value in node.values():  # keys are rendered too, in the order _strings listed them
            new_key = next(rendered)
            out[new_key] = _replaced(value, rendered)
        return out
    if isinstance(node, list):
        return [_replaced(item, rendered) for item in node]
    return node


def _render(template: Any, params: Params, context: Context) -> Any:
    """Every string (and map key) of `template` rendered with `params`; untouched without params."""
    if not params:
        return copy.deepcopy(template)
    strings: list[str] = []
    _strings(template, strings)
    if context.go:
        try:
            rendered = _go_rendered(strings, params, context) if strings else []
        except TemplateError as exc:
            text = strings[exc.index] if exc.index is not None else None
            raise GeneratorError(f"`{_short(text)}` does not render: {exc.detail}" if text else exc.detail) from None
    else:
        rendered = [_fast(text, params) for text in strings]
    return _replaced(template, iter(rendered))


def _go_rendered(strings: list[str], params: Params, context: Context) -> list[str]:
    """render_go_templates, kept in the chart cache by its inputs: an ApplicationSet's template
    and parameter sets are the same every run, and each render is a call into Helm. Failures are
    not kept (they are rare, and their message must stay exact)."""

    def decode(known: Any) -> list[str] | None:
        ok = isinstance(known, list) and len(known) == len(strings) and all(isinstance(s, str) for s in known)
        return known if ok else None

    key = _go_render_key(strings, params, context.strict)
    render = functools.partial(render_go_templates, strings, params, strict=context.strict)
    return kept(context.files.parse_store, key, render, list, decode)


def _go_render_key(strings: list[str], params: Params, strict: bool) -> str | None:
    """Everything the render depends on; None for parameters JSON cannot say exactly."""
    try:
        text = json.dumps([strings, params, strict], sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return f"gotpl-{__version__}-{helm_version()}-{hashlib.sha256(text.encode()).hexdigest()}"


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _render_string(text: str, params: Params, context: Context) -> str:
    return str(_render(text, params, context))


def _fast(text: str, params: Params) -> str:
    """fasttemplate: `{{ name }}` replaced by the parameter; unknown names stay as written."""

    def substitute(match: re.Match[str]) -> str:
        value = params.get(match.group(1).strip())
        return str(value) if value is not None else match.group(0)

    return _FAST_TAG.sub(substitute, text) if "{{" in text else text


def _patched(app: Any, patch: str, params: Params, context: Context) -> Any:
    text = _render_string(patch, params, context)
    docs, problems = parse_documents(text, "templatePatch")
    if problems or not docs or not isinstance(docs[0].data, dict):
        raise GeneratorError("`templatePatch` does not render to a YAML mapping")
    project = as_dict(as_dict(app).get("spec")).get("project")
    patched = _strategic(app, docs[0].data)
    if isinstance(patched.get("spec"), dict) and project is not None:
        patched["spec"]["project"] = project  # Argo CD restores the project after the patch
    return patched


def _strategic(base: Any, patch: Any) -> Any:
    """A merge patch: mappings merge key by key, anything else (lists included) is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _strategic(base.get(key), value)
        return out
    return copy.deepcopy(patch)
