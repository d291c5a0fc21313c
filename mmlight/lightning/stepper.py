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

Fast path: with one device and full precision (Lightning's own ``SingleDeviceStrategy`` and
``Precision``, exactly), the strategy and plugin only forward calls, so the stepper runs their
sequence itself - callbacks' ``on_before_backward``, ``loss.backward``, ``on_after_backward``;
the ``LightningOptimizer``'s step counters around ``optimizer.step(closure)`` whose closure
calls ``on_before_optimizer_step`` - without the module hooks that are ``LightningModule``'s
empty defaults. Any other strategy, plugin or overridden hook takes Lightning's path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mmlight.lightning import compat
from mmlight.lightning.callback_calls import call_callbacks

if TYPE_CHECKING:
    import lightning.pytorch as pl
    import torch

# LightningModule hooks that Lightning's backward path calls; overriding one disables the
# fast path (which skips them as no-ops).
_BACKWARD_HOOKS = ("on_before_backward", "backward", "on_after_backward")

__all__ = ["LightningStepper"]


class LightningStepper:
    """One per optimizer: the bridge between an OptimWrapper and Lightning's machinery."""

    handles_precision = True

    def __init__(self, module: pl.LightningModule, optimizer: Any) -> None:
        # Any: the module is an MMLightningModule, which holds ``_stepping_wrapper``.
        self.module: Any = module
        self.optimizer = optimizer
        self._skip_next_sync = False
        self._fast: bool | None = None  # decided on first use, once the Trainer is set up

    def _fast_path(self) -> bool:
        if self._fast is None:
            self._fast = _plain_single_device(self.module)
        return self._fast

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
            elif self._fast_path():
                trainer = self.module.trainer
                call_callbacks(trainer, "on_before_backward", loss)
                loss.backward(**kwargs)
                call_callbacks(trainer, "on_after_backward")
            else:
                self.module.manual_backward(loss, **kwargs)
        finally:
            self.module._stepping_wrapper = None

    def step(self, wrapper: Any, **kwargs: Any) -> None:
        # The module's on_before_optimizer_step clips through ``wrapper.clip_grads()``.
        self.module._stepping_wrapper = wrapper
        try:
            if "closure" not in kwargs and self._fast_path():
                self._step_fast(**kwargs)
            else:
                self.optimizer.step(**kwargs)
        finally:
            self.module._stepping_wrapper = None

    def _step_fast(self, **kwargs: Any) -> None:
        """``LightningOptimizer.step`` -> ``Precision.optimizer_step`` for fp32, one device."""
        lightning_optimizer = self.optimizer
        optimizer = lightning_optimizer.optimizer
        trainer = self.module.trainer

        def closure() -> None:
            call_callbacks(trainer, "on_before_optimizer_step", optimizer)
            compat.call_module_hook(trainer, "on_before_optimizer_step", optimizer)

        before, after = compat.step_counters(lightning_optimizer)
        before()  # step counters: trainer.global_step
        optimizer.step(closure=closure, **kwargs)
        after()


def _plain_single_device(module: Any) -> bool:
    """Whether Lightning's strategy and precision plugin only forward calls here."""
    import lightning.pytorch as pl
    from lightning.pytorch.plugins.precision import Precision
    from lightning.pytorch.strategies import SingleDeviceStrategy

    trainer = getattr(module, "_trainer", None)
    if not isinstance(module, pl.LightningModule) or trainer is None:
        return False
    if compat.uses_fabric(module) or module.automatic_optimization:
        return False
    strategy = trainer.strategy
    if type(strategy) is not SingleDeviceStrategy:
        return False
    if type(strategy.precision_plugin) is not Precision:
        return False
    return all(
        getattr(type(module), name) is getattr(pl.LightningModule, name)
        for name in _BACKWARD_HOOKS
    )
