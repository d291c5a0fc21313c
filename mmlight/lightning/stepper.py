"""Routes an OptimWrapper's backward and step through Lightning.

With a stepper bound, ``OptimWrapper.update_params`` keeps MMEngine's accumulation and
loss-scaling arithmetic, while the backward pass goes through ``manual_backward`` (precision
plugin, DeepSpeed engine) and the step through the ``LightningOptimizer`` (precision plugin,
``global_step``). Gradient clipping happens in ``on_before_optimizer_step``, once an AMP
scaler has unscaled the gradients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import lightning.pytorch as pl
    import torch

__all__ = ["LightningStepper"]


class LightningStepper:
    """One per optimizer: the bridge between an OptimWrapper and Lightning's machinery."""

    handles_precision = True

    def __init__(self, module: pl.LightningModule, optimizer: Any) -> None:
        # Any: the module is an MMLightningModule, which holds ``_stepping_wrapper``.
        self.module: Any = module
        self.optimizer = optimizer

    def backward(self, loss: torch.Tensor, wrapper: Any = None, **kwargs: Any) -> None:
        # The precision plugin picks this wrapper's loss scaler (one per AmpOptimWrapper).
        self.module._stepping_wrapper = wrapper
        try:
            self.module.manual_backward(loss, **kwargs)
        finally:
            self.module._stepping_wrapper = None

    def step(self, wrapper: Any, **kwargs: Any) -> None:
        # The module's on_before_optimizer_step clips through ``wrapper.clip_grads()``.
        self.module._stepping_wrapper = wrapper
        try:
            self.optimizer.step(**kwargs)
        finally:
            self.module._stepping_wrapper = None
