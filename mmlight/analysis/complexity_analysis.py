"""Flop and activation counting with default handles (mmengine's
``analysis.complexity_analysis``).

``FlopAnalyzer`` counts multiply-adds of convolutions, matrix products and einsums, rough
costs of normalizations, and interpolation/pooling work; ``ActivationAnalyzer`` counts the
output elements of convolutions and matrix products. ``flop_count``/``activation_count``
report the model's totals per operator in giga-flops / mega-activations.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from torch import nn

from mmlight.analysis.jit_analysis import JitModelAnalysis
from mmlight.analysis.jit_handles import (
    Handle,
    addmm_flop_jit,
    batchnorm_flop_jit,
    bmm_flop_jit,
    conv_flop_jit,
    einsum_flop_jit,
    elementwise_flop_counter,
    generic_activation_jit,
    linear_flop_jit,
    matmul_flop_jit,
    norm_flop_counter,
)
from mmlight.analysis.parameter_count import parameter_count, parameter_count_table

__all__ = [
    "ActivationAnalyzer",
    "FlopAnalyzer",
    "activation_count",
    "flop_count",
    "parameter_count",
    "parameter_count_table",
]

_DEFAULT_SUPPORTED_FLOP_OPS: dict[str, Handle] = {
    "aten::addmm": addmm_flop_jit,
    "aten::bmm": bmm_flop_jit,
    "aten::_convolution": conv_flop_jit,
    "aten::einsum": einsum_flop_jit,
    "aten::matmul": matmul_flop_jit,
    "aten::mm": matmul_flop_jit,
    "aten::linear": linear_flop_jit,
    # inference-time fusion would make this free: set_op_handle("aten::batch_norm", None)
    "aten::batch_norm": batchnorm_flop_jit,
    "aten::group_norm": norm_flop_counter(2),
    "aten::layer_norm": norm_flop_counter(2),
    "aten::instance_norm": norm_flop_counter(1),
    "aten::upsample_nearest2d": elementwise_flop_counter(0, 1),
    "aten::upsample_bilinear2d": elementwise_flop_counter(0, 4),
    "aten::adaptive_avg_pool2d": elementwise_flop_counter(1, 0),
    "aten::grid_sampler": elementwise_flop_counter(0, 4),  # bilinear assumed
}

_DEFAULT_SUPPORTED_ACT_OPS: dict[str, Handle] = {
    "aten::_convolution": generic_activation_jit("conv"),
    "aten::addmm": generic_activation_jit(),
    "aten::bmm": generic_activation_jit(),
    "aten::einsum": generic_activation_jit(),
    "aten::matmul": generic_activation_jit(),
    "aten::linear": generic_activation_jit(),
}


class FlopAnalyzer(JitModelAnalysis):
    """Flops (fused multiply-adds) per submodule and operator of ``model(*inputs)``.

    A flop is an estimate, not a measurement; change or add rules with ``set_op_handle``.
    """

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        super().__init__(model=model, inputs=inputs)
        self.set_op_handle(**_DEFAULT_SUPPORTED_FLOP_OPS)


class ActivationAnalyzer(JitModelAnalysis):
    """Activations (output elements of convolutions and matrix products) per submodule and
    operator of ``model(*inputs)``."""

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        super().__init__(model=model, inputs=inputs)
        self.set_op_handle(**_DEFAULT_SUPPORTED_ACT_OPS)


def _scaled_by_operator(
    analyzer: JitModelAnalysis, supported_ops: Mapping[str, Handle | None] | None, scale: float
) -> tuple[defaultdict[str, float], Counter[str]]:
    analyzer.set_op_handle(**(supported_ops or {}))
    scaled: defaultdict[str, float] = defaultdict(float)
    for op, count in analyzer.by_operator().items():
        scaled[op] = count / scale
    return scaled, analyzer.unsupported_ops()


def flop_count(
    model: nn.Module,
    inputs: tuple[Any, ...],
    supported_ops: Mapping[str, Handle | None] | None = None,
) -> tuple[defaultdict[str, float], Counter[str]]:
    """Giga-flops of the whole model per operator, and the unsupported ops met.

    ``supported_ops`` adds handles or replaces the default ones.
    """
    return _scaled_by_operator(FlopAnalyzer(model, inputs), supported_ops, 1e9)


def activation_count(
    model: nn.Module,
    inputs: tuple[Any, ...],
    supported_ops: Mapping[str, Handle | None] | None = None,
) -> tuple[defaultdict[str, float], Counter[str]]:
    """Mega-activations of the whole model per operator, and the unsupported ops met."""
    return _scaled_by_operator(ActivationAnalyzer(model, inputs), supported_ops, 1e6)
