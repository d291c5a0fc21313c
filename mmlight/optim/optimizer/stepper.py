"""``OptimStepper``: the seam through which a trainer takes over backward and step.

An :class:`~mmlight.optim.OptimWrapper` on its own behaves exactly as mmengine's: it calls
``loss.backward()``, clips, then ``optimizer.step()``. Under Lightning those two calls must go
through the trainer instead (``LightningModule.manual_backward`` and the ``LightningOptimizer``)
so that precision plugins, DDP/FSDP/DeepSpeed and ``global_step`` all see them. Binding a stepper
(:meth:`OptimWrapper.bind_stepper`) hands the two calls over while the wrapper keeps its own
bookkeeping (accumulation counts, loss scaling for the last partial group, ``no_sync``).

The wrapper does not know *when* gradients are final and unscaled, so a bound stepper is also
responsible for calling :meth:`OptimWrapper.clip_grads` at that moment; under Lightning that
is ``on_before_optimizer_step``, which runs after the precision plugin unscaled the gradients.

This module imports nothing from Lightning: any object with these members works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch

    from mmlight.optim.optimizer.optimizer_wrapper import OptimWrapper

__all__ = ["OptimStepper"]


@runtime_checkable
class OptimStepper(Protocol):
    """What :meth:`OptimWrapper.bind_stepper` accepts.

    Attributes:
        handles_precision: True when the stepper applies mixed precision itself (a Lightning
            ``'16-mixed'``/``'bf16-mixed'`` precision plugin scales the loss, unscales the
            gradients and autocasts the forward pass). An :class:`AmpOptimWrapper` bound to such
            a stepper then neither scales, unscales nor autocasts. With False the wrapper keeps
            doing its own autocast (and refuses a stepper while it owns a ``GradScaler``, as it
            could not skip steps whose gradients overflowed).
    """

    handles_precision: bool

    def backward(self, loss: torch.Tensor, wrapper: OptimWrapper, **kwargs: Any) -> None:
        """Back-propagate ``loss`` (already divided for gradient accumulation) for ``wrapper``."""

    def step(self, wrapper: OptimWrapper, **kwargs: Any) -> None:
        """Step ``wrapper.optimizer``; call ``wrapper.clip_grads()`` once gradients are final.

        ``kwargs`` are the ``step_kwargs`` given to ``update_params`` or ``step`` (arguments of
        ``torch.optim.Optimizer.step``).
        """
