"""The per-module complexity table (mmengine's ``complexity_stats_table``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mmlight.analysis.complexity_analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    parameter_count,
)
from mmlight.analysis.rich_table import render_table
from mmlight.analysis.size_format import pretty_statistics
from mmlight.analysis.stats_tree import (
    children,
    fastforward,
    group_by_module,
    indicate_uncalled_modules,
    remove_zero_statistics,
)

__all__ = ["complexity_stats_table", "stats_table_format"]


def stats_table_format(
    statistics: dict[str, dict[str, str]],
    max_depth: int = 3,
    stat_columns: Sequence[str] | None = None,
) -> str:
    """Draw ``{module: {statistic: text}}`` as a table, one row per module down to
    ``max_depth`` levels, indented by depth.

    A module whose only child agrees with it shares one row with it (named by the child),
    and a prefix every row would repeat is dropped. Without ``stat_columns`` the columns are
    the statistics in order of first appearance.
    """
    if stat_columns is None:
        stat_columns = list(dict.fromkeys(s for stats in statistics.values() for s in stats))
    columns = list(stat_columns)

    def row(name: str, stats: Mapping[str, str], level: int) -> list[str]:
        indent = " " * level
        return [indent + name] + [
            indent + stats[column] if column in stats else "" for column in columns
        ]

    root_name, root_stats = fastforward("", statistics)
    rows = [row(root_name or "model", root_stats, 0)]
    root_prefix = root_name + "." if root_name else ""

    def fill(level: int, parent: str) -> None:
        if level > max_depth:
            return
        for name in children(parent, statistics):
            name, stats = fastforward(name, statistics)
            shown = name
            if root_prefix and name.startswith(root_prefix):
                shown = name[len(root_prefix) :]
            rows.append(row(shown, stats, level))
            fill(level + 1, name)

    fill(1, root_name)
    return render_table(["module", *columns], rows)


def complexity_stats_table(
    flops: FlopAnalyzer,
    max_depth: int = 3,
    activations: ActivationAnalyzer | None = None,
    show_param_shapes: bool = True,
) -> str:
    """A table of parameters (or parameter shapes), flops and optionally activations per
    module down to ``max_depth`` levels; modules with nothing to show are left out.

    Turns off the analyzers' warnings: the table is the report.
    """
    params_header = "#parameters" + (" or shape" if show_param_shapes else "")
    flops_header, acts_header = "#flops", "#activations"
    model = flops._model
    analyzers: list[tuple[str, Any]] = [(flops_header, flops)]
    if activations is not None:
        analyzers.append((acts_header, activations))
    for _, analyzer in analyzers:
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings("none")

    raw: dict[str, Mapping[str, Any]] = {params_header: dict(parameter_count(model))}
    raw.update((header, analyzer.by_module()) for header, analyzer in analyzers)
    kept = remove_zero_statistics(group_by_module(raw), require_trivial_children=True)
    stats = pretty_statistics(kept, hide_zero=False)
    for header, analyzer in analyzers:
        stats = indicate_uncalled_modules(
            stats, header, analyzer.uncalled_modules() & stats.keys(), uncalled_indicator=""
        )

    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    for name in [name for name in stats if name in shapes]:
        if show_param_shapes:
            stats[name][params_header] = str(shapes[name])
        else:
            del stats[name]
    return stats_table_format(stats, max_depth=max_depth, stat_columns=list(raw))
