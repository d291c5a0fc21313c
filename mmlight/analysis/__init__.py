"""Model complexity: flops, activations and parameters per submodule (mmengine.analysis).

Counts come from a ``torch.jit`` trace of one forward pass with per-op rules (fvcore's
approach, as mmengine uses it), so totals, per-module counts and tables equal mmengine's;
the few deliberate differences are listed in :mod:`mmlight.analysis.jit_handles` and
:mod:`mmlight.analysis.jit_analysis`. Imports torch; tables need ``rich``.
"""

from mmlight.analysis.complexity_analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    activation_count,
    flop_count,
    parameter_count,
    parameter_count_table,
)
from mmlight.analysis.complexity_info import get_model_complexity_info
from mmlight.analysis.stats_str import complexity_stats_str
from mmlight.analysis.stats_table import complexity_stats_table

__all__ = [
    "ActivationAnalyzer",
    "FlopAnalyzer",
    "activation_count",
    "complexity_stats_str",
    "complexity_stats_table",
    "flop_count",
    "get_model_complexity_info",
    "parameter_count",
    "parameter_count_table",
]
