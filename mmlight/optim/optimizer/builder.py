"""``build_optim_wrapper``: the ``optim_wrapper`` config of a model -> its optimizer wrapper."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from mmlight.optim.optimizer.third_party_optimizers import (
    BITSANDBYTES_OPTIMIZERS,
    DADAPTATION_OPTIMIZERS,
    LION_OPTIMIZERS,
    NPU_OPTIMIZERS,
    SOPHIA_OPTIMIZERS,
    TRANSFORMERS_OPTIMIZERS,
)
from mmlight.optim.optimizer.torch_optimizers import TORCH_OPTIMIZERS
from mmlight.registry import OPTIM_WRAPPER_CONSTRUCTORS

if TYPE_CHECKING:
    from torch import nn

    from mmlight.optim.optimizer.optimizer_wrapper import OptimWrapper

# The registered-name lists live where mmengine's tests and downstream code import them from.
__all__ = [
    "BITSANDBYTES_OPTIMIZERS",
    "DADAPTATION_OPTIMIZERS",
    "LION_OPTIMIZERS",
    "NPU_OPTIMIZERS",
    "SOPHIA_OPTIMIZERS",
    "TORCH_OPTIMIZERS",
    "TRANSFORMERS_OPTIMIZERS",
    "build_optim_wrapper",
]


def build_optim_wrapper(model: nn.Module, cfg: Any) -> OptimWrapper:
    """Build an optimizer wrapper for ``model`` through an optimizer wrapper constructor.

    ``cfg`` is the ``optim_wrapper`` config; it is not modified. Its ``constructor`` key picks
    the constructor (default ``'DefaultOptimWrapperConstructor'``) and ``paramwise_cfg`` goes to
    the constructor; everything else is the wrapper's config.
    """
    optim_wrapper_cfg = copy.deepcopy(cfg)
    constructor_type = optim_wrapper_cfg.pop("constructor", "DefaultOptimWrapperConstructor")
    paramwise_cfg = optim_wrapper_cfg.pop("paramwise_cfg", None)
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        {
            "type": constructor_type,
            "optim_wrapper_cfg": optim_wrapper_cfg,
            "paramwise_cfg": paramwise_cfg,
        }
    )
    from mmlight import bridge

    # a downstream constructor may build mmengine's wrapper: mmlight's over the same optimizer
    wrapper: OptimWrapper = bridge.adopt(constructor(model))
    return wrapper
