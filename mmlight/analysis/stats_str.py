"""The model's ``repr`` with complexity statistics per module (mmengine's
``complexity_stats_str``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from mmlight.analysis.complexity_analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    parameter_count,
)
from mmlight.analysis.size_format import pretty_statistics
from mmlight.analysis.stats_tree import (
    fill_missing_statistics,
    group_by_module,
    indicate_uncalled_modules,
    remove_zero_statistics,
)

__all__ = ["complexity_stats_str", "model_stats_str"]

_UNCALLED_NOTE = (
    "N/A indicates a possibly missing statistic due to how the module was called. "
    "Missing values are still included in the parent's total.\n"
)


def _indent_continuation(text: str, spaces: int) -> str:
    """Indent every line but the first (``nn.Module``'s repr nesting)."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(" " * spaces + line for line in rest)])


def model_stats_str(model: nn.Module, statistics: Mapping[str, Mapping[str, str]]) -> str:
    """``repr(model)``, with each module's statistics as an extra line after its own
    ``extra_repr`` lines."""

    def render(module: nn.Module | None, name: str) -> str:
        if module is None:
            return "None"
        extra = module.extra_repr().split("\n") if module.extra_repr() else []
        stats = statistics.get(name, {})
        if stats:
            extra += ", ".join(f"{k}: {v}" for k, v in stats.items()).split("\n")
        child_lines = [
            f"({key}): " + _indent_continuation(render(child, f"{name}.{key}" if name else key), 2)
            for key, child in module._modules.items()
        ]
        lines = extra + child_lines
        body = ""
        if len(extra) == 1 and not child_lines:
            body = extra[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{module._get_name()}({body})"

    return render(model, "")


def complexity_stats_str(flops: FlopAnalyzer, activations: ActivationAnalyzer | None = None) -> str:
    """The model's repr with ``#params``, ``#flops`` (and ``#acts``) of every module that
    has any; ``N/A`` marks modules the trace never saw called (see the note it prints).

    Turns off the analyzers' warnings: the text is the report.
    """
    model = flops._model
    analyzers: list[tuple[str, Any]] = [("#flops", flops)]
    if activations is not None:
        analyzers.append(("#acts", activations))
    for _, analyzer in analyzers:
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings("none")

    raw: dict[str, Mapping[str, int]] = {"#params": dict(parameter_count(model))}
    raw.update((header, analyzer.by_module()) for header, analyzer in analyzers)
    uncalled: set[str] = set().union(*(analyzer.uncalled_modules() for _, analyzer in analyzers))
    grouped = group_by_module(fill_missing_statistics(model, raw))
    stats = pretty_statistics(remove_zero_statistics(grouped, force_keep=uncalled), sig_figs=2)
    for header, analyzer in analyzers:
        stats = indicate_uncalled_modules(stats, header, analyzer.uncalled_modules())
    note = _UNCALLED_NOTE if uncalled else ""
    return note + model_stats_str(model, stats)
