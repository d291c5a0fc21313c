"""Reshaping per-module statistics for display: grouping, pruning and merging rows.

Statistics are ``{module name: {statistic: value}}`` with the model as ``''``; a name's
parent is the name without its last dotted part. Dict order is kept throughout, because it
is the row order of the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from torch import nn

__all__ = [
    "children",
    "fastforward",
    "fill_missing_statistics",
    "group_by_module",
    "indicate_uncalled_modules",
    "remove_zero_statistics",
]

V = TypeVar("V")


def _parent(name: str) -> str:
    return name.rpartition(".")[0]


def children(name: str, names: Iterable[str]) -> list[str]:
    """The direct children of ``name`` among ``names``, in their order."""
    return [other for other in names if other and _parent(other) == name]


def group_by_module(statistics: Mapping[str, Mapping[str, V]]) -> dict[str, dict[str, V]]:
    """``{statistic: {module: value}}`` turned into ``{module: {statistic: value}}``."""
    grouped: dict[str, dict[str, V]] = {}
    for stat, per_module in statistics.items():
        for module, value in per_module.items():
            grouped.setdefault(module, {})[stat] = value
    return grouped


def fill_missing_statistics(
    model: nn.Module, statistics: Mapping[str, Mapping[str, int]]
) -> dict[str, dict[str, int]]:
    """``{statistic: {module: value}}`` with a 0 for every submodule a statistic lacks."""
    filled = {stat: dict(values) for stat, values in statistics.items()}
    for name, _ in model.named_modules():
        for values in filled.values():
            values.setdefault(name, 0)
    return filled


def remove_zero_statistics(
    statistics: Mapping[str, Mapping[str, Any]],
    force_keep: set[str] | None = None,
    require_trivial_children: bool = False,
) -> dict[str, dict[str, Any]]:
    """Drop the modules whose statistics are all zero, except the model, ``force_keep``,
    and (with ``require_trivial_children``) modules with a kept child.

    Only modules reachable from the root through kept-or-dropped parents are visited; the
    result lists children before their parents, as mmengine's does (tables read that order).
    """
    keep = (force_keep or set()) | {""}
    kids: dict[str, list[str]] = {}
    for name in statistics:
        if name:
            kids.setdefault(_parent(name), []).append(name)
    kept: dict[str, dict[str, Any]] = {}

    def visit(name: str) -> None:
        trivial_children = True
        for child in kids.get(name, ()):
            visit(child)
            trivial_children &= child not in kept
        values = statistics[name]
        if (
            any(value != 0 for value in values.values())
            or name in keep
            or (require_trivial_children and not trivial_children)
        ):
            kept[name] = dict(values)

    visit("")
    return kept


def indicate_uncalled_modules(
    statistics: Mapping[str, Mapping[str, str]],
    stat_name: str,
    uncalled_modules: set[str],
    uncalled_indicator: str = "N/A",
) -> dict[str, dict[str, str]]:
    """Write ``uncalled_indicator`` as ``stat_name`` of every uncalled module: its zero
    may only mean its work was credited to the module that called it."""
    marked = {module: dict(stats) for module, stats in statistics.items()}
    for module in sorted(uncalled_modules):
        marked.setdefault(module, {})[stat_name] = uncalled_indicator
    return marked


def _single_child(name: str, statistics: Mapping[str, Any]) -> str | None:
    found = children(name, statistics)
    return found[0] if len(found) == 1 else None


def _try_combine(first: Mapping[str, str], second: Mapping[str, str]) -> dict[str, str] | None:
    """One row for two: equal statistic names, and no two non-empty values that differ."""
    if set(first) != set(second):
        return None
    combined = {}
    for stat, value in first.items():
        other = second[stat]
        if value and other and value != other:
            return None
        combined[stat] = value or other
    return combined


def fastforward(name: str, statistics: dict[str, dict[str, str]]) -> tuple[str, dict[str, str]]:
    """Follow single children whose statistics agree with ``name``'s, so a chain such as
    ``backbone -> backbone.body`` prints as one row; returns the last name and its merged
    statistics (written back into ``statistics``)."""
    while True:
        child = _single_child(name, statistics)
        if child is None:
            return name, statistics[name]
        combined = _try_combine(statistics[name], statistics[child])
        if combined is None:
            return name, statistics[name]
        statistics[child] = combined
        name = child
