"""Functional weight initialisers (mmengine's ``*_init`` helpers) and init-info bookkeeping.

Every helper touches ``module.weight`` and ``module.bias`` only when the module has them and
they are not None, drawing the weight first, so seeded runs reproduce mmengine's values.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import ModelRuntimeError, ModelValueError

if TYPE_CHECKING:
    from torch import Tensor, nn

__all__ = [
    "bias_init_with_prob",
    "caffe2_xavier_init",
    "constant_init",
    "kaiming_init",
    "normal_init",
    "trunc_normal_",
    "trunc_normal_init",
    "uniform_init",
    "update_init_info",
    "xavier_init",
]

_DISTRIBUTIONS = ("uniform", "normal")


def _check_distribution(distribution: str, func: str) -> None:
    if distribution not in _DISTRIBUTIONS:
        raise ModelValueError(
            f"{func}: distribution must be 'uniform' or 'normal', but got {distribution!r}"
        )


def _init_weight_and_bias(
    module: nn.Module, init_weight: Callable[[Tensor], Any], bias: float
) -> None:
    from torch import nn

    weight = getattr(module, "weight", None)
    if weight is not None:
        init_weight(weight)
    bias_param = getattr(module, "bias", None)
    if bias_param is not None:
        nn.init.constant_(bias_param, bias)


def constant_init(module: nn.Module, val: float, bias: float = 0) -> None:
    from torch import nn

    _init_weight_and_bias(module, lambda w: nn.init.constant_(w, val), bias)


def xavier_init(
    module: nn.Module, gain: float = 1, bias: float = 0, distribution: str = "normal"
) -> None:
    from torch import nn

    _check_distribution(distribution, "xavier_init")
    fill = nn.init.xavier_uniform_ if distribution == "uniform" else nn.init.xavier_normal_
    _init_weight_and_bias(module, lambda w: fill(w, gain=gain), bias)


def normal_init(module: nn.Module, mean: float = 0, std: float = 1, bias: float = 0) -> None:
    from torch import nn

    _init_weight_and_bias(module, lambda w: nn.init.normal_(w, mean, std), bias)


def trunc_normal_init(
    module: nn.Module,
    mean: float = 0,
    std: float = 1,
    a: float = -2,
    b: float = 2,
    bias: float = 0,
) -> None:
    _init_weight_and_bias(module, lambda w: trunc_normal_(w, mean, std, a, b), bias)


def uniform_init(module: nn.Module, a: float = 0, b: float = 1, bias: float = 0) -> None:
    from torch import nn

    _init_weight_and_bias(module, lambda w: nn.init.uniform_(w, a, b), bias)


def kaiming_init(
    module: nn.Module,
    a: float = 0,
    mode: str = "fan_out",
    nonlinearity: str = "relu",
    bias: float = 0,
    distribution: str = "normal",
) -> None:
    from torch import nn

    _check_distribution(distribution, "kaiming_init")
    fill = nn.init.kaiming_uniform_ if distribution == "uniform" else nn.init.kaiming_normal_
    _init_weight_and_bias(
        module,
        lambda w: fill(w, a=a, mode=mode, nonlinearity=nonlinearity),  # type: ignore[arg-type]
        bias,
    )


def caffe2_xavier_init(module: nn.Module, bias: float = 0) -> None:
    """Caffe2's ``XavierFill`` is PyTorch's uniform Kaiming init with these arguments."""
    kaiming_init(
        module, a=1, mode="fan_in", nonlinearity="leaky_relu", bias=bias, distribution="uniform"
    )


def bias_init_with_prob(prior_prob: float) -> float:
    """The bias whose sigmoid equals ``prior_prob`` (focal-loss style classifier heads)."""
    import numpy as np

    # numpy's log, not math.log, so the float matches mmengine bit for bit
    return float(-np.log((1 - prior_prob) / prior_prob))


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0
) -> Tensor:
    """Truncated normal fill by inverse-CDF sampling.

    Recent torch versions switched ``nn.init.trunc_normal_`` to rejection sampling, which draws
    different numbers; this keeps the inverse-CDF method mmengine uses so seeds reproduce.
    """
    import torch

    def std_normal_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    with torch.no_grad():
        low = std_normal_cdf((a - mean) / std)
        high = std_normal_cdf((b - mean) / std)
        # uniform on [2*low - 1, 2*high - 1], then erfinv maps it to a truncated N(0, 1/2)
        tensor.uniform_(2 * low - 1, 2 * high - 1)
        tensor.erfinv_()
        tensor.mul_(std * math.sqrt(2.0))
        tensor.add_(mean)
        tensor.clamp_(min=a, max=b)
    return tensor


def update_init_info(module: nn.Module, init_info: str) -> None:
    """Record ``init_info`` for every parameter of ``module`` whose mean changed since last seen.

    Only meaningful inside :meth:`BaseModule.init_weights`, which attaches the shared
    ``_params_init_info`` table to every submodule for the duration of the call.
    """
    table = getattr(module, "_params_init_info", None)
    if table is None:
        raise ModelRuntimeError(
            f"update_init_info: {type(module).__name__} has no `_params_init_info`; it only "
            "exists while BaseModule.init_weights() runs on the top-level model"
        )
    for name, param in module.named_parameters():
        if param not in table:
            raise ModelRuntimeError(
                f"Parameter `{name}` of {type(module).__name__} appeared while init_weights() "
                "was running; add or replace parameters in __init__, not in init_weights()"
            )
        mean_now = param.data.mean().cpu()
        entry = table[param]
        if bool(entry["tmp_mean_value"] != mean_now):
            entry["init_info"] = init_info
            entry["tmp_mean_value"] = mean_now
