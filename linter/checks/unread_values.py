"""CH006: a values key that no template of the chart reads.

After a refactor (values moved to `backup.wal` while the templates still read
`backup.barmanObjectStore.wal`) the setting silently stops reaching the rendered objects. A key
is unread when no `.Values` path a template reads is that key, one of its parents (read whole,
e.g. `toYaml .Values.backup`) or one of its children.

A top-level key nothing reads is reported only when it resembles one the templates read (a
typo); a whole block of notes (`migration:` kept as documentation) is left alone. A key below a
block the templates do read (`backup.wal` beside `backup.barmanObjectStore`) is always reported.

Only charts whose reads can all be seen are judged, so a finding is never a guess:
- the chart is in the repository (its `templates/` read by loaders/helm/templates.py);
- every named template it calls (`include`, `template`) is defined in its own templates: a
  call into a library chart (bjw-s common) or a computed name means reads we cannot see;
- no template reads `.Values` whole (`toYaml .Values`, `hasKey .Values`), none renders a chart
  file with `tpl`, and no values string holds `{{` (a `tpl` value can read any key);
- keys under a dependency's name or alias (its values), under `global` and `tags`, and the
  dependencies' `condition` paths (Helm reads those) are not judged, nor
  empty placeholders (`annotations: {}`, `tls: []`, `""`, null), which set nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..core.suggest import close_matches
from ..loaders.helm.templates import named_templates
from ..model import Chart, ValuesPath, Violation, YamlPath, format_path
from ..model.shapes import templated
from ..model.values import read_covers
from ..views import Views
from .base import AnyCheck, Check, NoParams


@dataclass(frozen=True)
class Reads:
    """What a chart's templates read: paths read whole (with all below them), and paths only
    tested (`if .Values.backup`, `with .Values.backup`: what is below still has to be read)."""

    whole: frozenset[ValuesPath]
    tested: frozenset[ValuesPath]

    @property
    def all(self) -> frozenset[ValuesPath]:
        return self.whole | self.tested


def chart_reads(chart: Chart) -> Reads:
    whole: set[ValuesPath] = set()
    tested: set[ValuesPath] = set()
    for template in chart.templates:
        for refs in template.refs.values():
            whole.update(path for path in refs.values if path not in refs.tested)
            tested.update(refs.tested)
    return Reads(frozenset(whole), frozenset(tested - whole))


def check_unread_values(views: Views, params: NoParams) -> Iterator[Violation]:
    charts = {chart.dir: chart for chart in views.inventory.model.charts}
    judged: dict[str, Reads | None] = {}  # per chart: its templates are the same for every release
    reported: set[tuple[str, YamlPath]] = set()
    for rendering in views.inventory.renderings:
        chart = charts.get(rendering.chart_dir)
        if chart is None or not views.inventory.release_may_keep(rendering):
            continue
        templates = chart.template_paths
        if chart.dir not in judged:
            judged[chart.dir] = visible_reads(chart)
        reads = judged[chart.dir]
        if reads is None or any(templated(layer.data) for layer in rendering.values):
            continue  # a `tpl` value can read any key
        skipped = {d.scope for d in chart.dependencies} | {"global", "tags"}  # subcharts' values; Helm's own
        conditions = {tuple(c.strip().split(".")) for d in chart.dependencies for c in (d.condition or "").split(",")}
        for vpath, value, layer in views.release(rendering).leaves():
            if not vpath or vpath[0] in skipped or vpath in conditions or value in (None, "", {}, []):
                continue  # an empty placeholder (`annotations: {}`) sets nothing; Helm reads conditions
            dead = _unread_prefix(vpath, reads)
            if dead is None or (layer.label, dead) in reported:
                continue
            reported.add((layer.label, dead))
            suggestions = _siblings(dead, reads.all)
            if len(dead) == 1 and not suggestions:
                continue  # a whole top-level block nothing reads: often notes kept on purpose (a `migration:` plan)
            location = layer.locate(dead)
            # the layer, less what the location already says: `helm.valuesObject` for inline values
            layer_name = layer.label.removeprefix(location.path).strip()
            where = f" ({layer_name})" if layer_name else ""
            yield Violation(
                location,
                {"key": format_path(dead), "chart": chart.dir, "where": where},
                None,
                suggestions,
                related=templates,  # a template that starts or stops reading the key changes it
            )


def visible_reads(chart: Chart) -> Reads | None:
    """What the chart's templates read, when all of it can be seen; None otherwise."""
    if not chart.templates:
        return None
    if any("tpl" in t.source and ".Files" in t.source for t in chart.templates):
        return None  # `tpl (.Files.Get "config.yaml") .`: the file's reads are not seen
    defined, called = named_templates(template.source for template in chart.templates)
    if called is None or not called <= defined:
        return None  # a helper of a library chart (or a computed name) reads what we cannot see
    reads = chart_reads(chart)
    return None if () in reads.all else reads  # `.Values` read whole


def _unread_prefix(vpath: YamlPath, reads: Reads) -> YamlPath | None:
    """The shortest prefix of `vpath` that no read reaches (not read whole itself or through a
    parent, not tested, nothing read below it); None when `vpath` is read."""
    for cut in range(1, len(vpath) + 1):
        prefix = vpath[:cut]
        if any(read_covers(ref, prefix) for ref in reads.whole):
            return None  # the prefix (or a parent of it) is read whole
        tested = any(len(ref) == cut and read_covers(ref, prefix) for ref in reads.tested)
        below = any(len(ref) > cut and read_covers(ref[:cut], prefix) for ref in reads.all)
        if not tested and not below:
            return prefix if isinstance(prefix[-1], str) else None
    return None


def _siblings(dead: YamlPath, used: frozenset[ValuesPath]) -> tuple[str, ...]:
    """Keys the templates read beside the unread one (`backup.barmanObjectStore` for `backup.wal`)."""
    parent = dead[:-1]
    names = {
        ref[len(parent)]
        for ref in used
        if len(ref) > len(parent) and read_covers(ref[: len(parent)], parent) and ref[len(parent)] != "*"
    }
    found = close_matches(str(dead[-1]), names)
    return tuple(format_path((*parent, name)) for name in found)


CHECKS: list[AnyCheck] = [
    Check(
        "values-unread",
        check_unread_values,
        NoParams,
        frozenset({"key", "chart", "where"}),
        "Values keys that no template of a chart whose reads are all visible ever reads.",
    ),
]
