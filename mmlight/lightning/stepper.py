"""Routes an OptimWrapper's backward and step through Lightning.

With a stepper bound, ``OptimWrapper.update_params`` keeps MMEngine's accumulation and
loss-scaling arithmetic, while the backward pass goes through ``manual_backward`` (precision
plugin, DeepSpeed engine) and the step through the ``LightningOptimizer`` (precision plugin,
``global_step``). Gradient clipping happens in ``on_before_optimizer_step``, once an AMP
scaler has unscaled the gradients.

Gradient accumulation under DDP: MMEngine runs the forward of a micro-batch that does not
end an accumulation group inside ``ddp_model.no_sync()``, so its backward skips the gradient
all-reduce. Under Lightning the DDP wrapper is ``trainer.strategy.model`` and, with manual
optimization, DDP decides whether to all-reduce when ``manual_backward`` runs. So
``no_sync()`` here marks the coming backward as local, and ``backward`` then runs inside the
strategy's ``block_backward_sync()``; gradients summed locally are all-reduced (averaged) by
the backward that ends the group, exactly as with MMEngine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
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
        self._skip_next_sync = False

    def _block_sync(self) -> contextlib.AbstractContextManager[Any]:
        trainer = getattr(self.module, "_trainer", None)
        strategy = getattr(trainer, "strategy", None)
        block = getattr(strategy, "block_backward_sync", None)
        return block() if block is not None else contextlib.nullcontext()

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """The backward of the forward run in here (or run in here) skips DDP's all-reduce."""
        self._skip_next_sync = True
        with self._block_sync():
            yield

    def backward(self, loss: torch.Tensor, wrapper: Any = None, **kwargs: Any) -> None:
        skip, self._skip_next_sync = self._skip_next_sync, False
        # The precision plugin picks this wrapper's loss scaler (one per AmpOptimWrapper).
        self.module._stepping_wrapper = wrapper
        try:
            if skip:
                with self._block_sync():
                    self.module.manual_backward(loss, **kwargs)
            else:
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
