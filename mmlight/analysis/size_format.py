"""Counts written with K/M/G/T/P suffixes, as in mmengine's complexity tables."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["format_size", "pretty_statistics"]

_UNITS = ((1e14, 1e15, "P"), (1e11, 1e12, "T"), (1e8, 1e9, "G"), (1e5, 1e6, "M"), (1e2, 1e3, "K"))


def format_size(x: float, sig_figs: int = 3, hide_zero: bool = False) -> str:
    """``x`` in the largest unit it exceeds, with at most ``sig_figs`` decimals (trailing
    zeros dropped); numbers up to 100 as they are. ``hide_zero`` writes 0 as ``''``."""
    if hide_zero and x == 0:
        return ""
    for limit, scale, suffix in _UNITS:
        if abs(x) > limit:
            return f"{x / scale:.{sig_figs}f}".rstrip("0").rstrip(".") + suffix
    return str(x)


def pretty_statistics(
    statistics: Mapping[str, Mapping[str, float]], sig_figs: int = 3, hide_zero: bool = False
) -> dict[str, dict[str, str]]:
    """Every value of a ``{module: {statistic: count}}`` mapping through :func:`format_size`."""
    return {
        module: {stat: format_size(value, sig_figs, hide_zero) for stat, value in stats.items()}
        for module, stats in statistics.items()
    }
