"""``get_model_complexity_info``: flops, activations and parameters of a model in one call.

Unlike mmengine, which traces the model once per statistic, the flop and activation counts
share one trace: half the time, and a training-mode model's side effects (batch-norm running
statistics) happen once.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from mmlight.analysis.complexity_analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    parameter_count,
)
from mmlight.analysis.size_format import format_size
from mmlight.analysis.stats_str import complexity_stats_str
from mmlight.analysis.stats_table import complexity_stats_table
from mmlight.utils import is_tuple_of

__all__ = ["get_model_complexity_info"]


def _model_device(model: nn.Module) -> torch.device:
    """Where dummy inputs go: the first parameter's device (CPU for a model without any)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def _dummy_inputs(model: nn.Module, input_shape: Any) -> tuple[torch.Tensor, ...]:
    """Random batch-of-one inputs: one for a tuple of ints, one per tuple in a tuple of
    tuples of ints."""
    device = _model_device(model)
    if is_tuple_of(input_shape, int):
        return (torch.randn(1, *input_shape).to(device),)
    if is_tuple_of(input_shape, tuple) and all(is_tuple_of(s, int) for s in input_shape):
        return tuple(torch.randn(1, *shape).to(device) for shape in input_shape)
    raise ValueError(
        '"input_shape" should be either a `tuple of int` (to construct one input tensor) or '
        "a `tuple of tuple of int` (to construct multiple input tensors), but got "
        f"{input_shape!r}"
    )


def get_model_complexity_info(
    model: nn.Module,
    input_shape: tuple[int, ...] | tuple[tuple[int, ...], ...] | None = None,
    inputs: torch.Tensor | tuple[Any, ...] | None = None,
    show_table: bool = True,
    show_arch: bool = True,
) -> dict[str, Any]:
    """Flops, activations and parameters of ``model`` (numbers and short strings), with
    the per-module table and annotated architecture as text.

    Give ``inputs`` (positional arguments of ``forward``), or ``input_shape`` for random
    inputs with a batch of one: a tuple of ints for one input, a tuple of such tuples for
    several. The model is run as it is (training or evaluation mode alike).
    """
    if input_shape is None and inputs is None:
        raise ValueError('One of "input_shape" and "inputs" should be set.')
    if input_shape is not None and inputs is not None:
        raise ValueError('"input_shape" and "inputs" cannot be both set.')
    if inputs is None:
        inputs = _dummy_inputs(model, input_shape)

    flop_handler = FlopAnalyzer(model, inputs)
    activation_handler = ActivationAnalyzer(model, inputs)
    # one forward pass serves both counts: the graph does not depend on the handles
    activation_handler._shared_graph = flop_handler._shared_graph = flop_handler._trace()
    flops = flop_handler.total()
    activations = activation_handler.total()
    params = parameter_count(model)[""]

    out_table = out_arch = ""
    if show_table:
        out_table = "\n" + complexity_stats_table(
            flops=flop_handler, activations=activation_handler, show_param_shapes=True
        )
    if show_arch:
        out_arch = "\n" + complexity_stats_str(flops=flop_handler, activations=activation_handler)
    return {
        "flops": flops,
        "flops_str": format_size(flops),
        "activations": activations,
        "activations_str": format_size(activations),
        "params": params,
        "params_str": format_size(params),
        "out_table": out_table,
        "out_arch": out_arch,
    }
