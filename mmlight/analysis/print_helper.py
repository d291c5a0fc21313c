"""mmengine's ``analysis.print_helper`` names, for code that imports them from there.

The functions live in modules of one concept each (size_format, stats_tree, stats_table,
stats_str, complexity_info); the underscore names are the ones downstream packages import
(``_format_size`` in their ``get_flops`` tools).
"""

from __future__ import annotations

from mmlight.analysis.complexity_analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    parameter_count,
)
from mmlight.analysis.complexity_info import get_model_complexity_info
from mmlight.analysis.size_format import format_size as _format_size
from mmlight.analysis.size_format import pretty_statistics as _pretty_statistics
from mmlight.analysis.stats_str import complexity_stats_str
from mmlight.analysis.stats_str import model_stats_str as _model_stats_str
from mmlight.analysis.stats_table import complexity_stats_table
from mmlight.analysis.stats_table import stats_table_format as _stats_table_format
from mmlight.analysis.stats_tree import fastforward as _fastforward
from mmlight.analysis.stats_tree import fill_missing_statistics as _fill_missing_statistics
from mmlight.analysis.stats_tree import group_by_module as _group_by_module
from mmlight.analysis.stats_tree import indicate_uncalled_modules as _indicate_uncalled_modules
from mmlight.analysis.stats_tree import remove_zero_statistics as _remove_zero_statistics

__all__ = [
    "ActivationAnalyzer",
    "FlopAnalyzer",
    "_fastforward",
    "_fill_missing_statistics",
    "_format_size",
    "_group_by_module",
    "_indicate_uncalled_modules",
    "_model_stats_str",
    "_pretty_statistics",
    "_remove_zero_statistics",
    "_stats_table_format",
    "complexity_stats_str",
    "complexity_stats_table",
    "get_model_complexity_info",
    "parameter_count",
]
