"""AMP optim wrappers -> a Lightning precision plugin.

MMEngine's ``AmpOptimWrapper`` autocasts only inside ``optim_context`` (the model's forward and
loss) and owns one ``GradScaler`` per wrapper. Lightning's ``MixedPrecision`` autocasts the whole
``training_step`` and owns one scaler. ``OptimWrapperPrecision`` keeps MMEngine's scope - it
does not autocast steps, the wrapper does - and scales each backward and step with the scaler of
the wrapper that is stepping, so a two-optimizer (GAN-style) model keeps one scaler per optimizer.
The Trainer still reports ``'16-mixed'`` or ``'bf16-mixed'``, which strategies read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator
from typing import Any, Literal

import torch
from lightning.pytorch.plugins.precision import MixedPrecision, Precision

__all__ = ["OptimWrapperPrecision", "precision_trainer_kwargs"]


def _amp_wrappers(optim_wrapper: Any) -> list[Any]:
    from mmlight.lightning.module import iter_optim_wrappers
    from mmlight.optim import AmpOptimWrapper

    return [w for w in iter_optim_wrappers(optim_wrapper) if isinstance(w, AmpOptimWrapper)]


class OptimWrapperPrecision(MixedPrecision):
    """Mixed precision whose scalers belong to the AMP optim wrappers."""

    def __init__(
        self, precision: Literal["16-mixed", "bf16-mixed"], device: str, wrappers: list[Any]
    ) -> None:
        scalers = [w.loss_scaler for w in wrappers if w.loss_scaler is not None]
        super().__init__(precision, device, scaler=scalers[0] if scalers else None)
        self._scaler_of_optimizer = {id(w.optimizer): w.loss_scaler for w in wrappers}

    def _scaler_for(self, optimizer: Any) -> Any:
        inner = getattr(optimizer, "optimizer", optimizer)  # LightningOptimizer -> torch optimizer
        return self._scaler_of_optimizer.get(id(inner))

    def pre_backward(self, tensor: torch.Tensor, module: Any) -> torch.Tensor:
        wrapper = getattr(module, "_stepping_wrapper", None)
        scaler = self._scaler_for(wrapper.optimizer) if wrapper is not None else self.scaler
        if scaler is not None:
            tensor = scaler.scale(tensor)
        return Precision.pre_backward(self, tensor, module)

    def optimizer_step(  # type: ignore[override]
        self, optimizer: Any, model: Any, closure: Callable[[], Any], **kwargs: Any
    ) -> Any:
        default = self.scaler
        self.scaler = self._scaler_for(optimizer)
        try:
            return super().optimizer_step(optimizer, model=model, closure=closure, **kwargs)
        finally:
            self.scaler = default

    @contextlib.contextmanager
    def forward_context(self) -> Generator[None, None, None]:
        # The AmpOptimWrapper autocasts inside optim_context, as MMEngine does.
        yield


def precision_trainer_kwargs(optim_wrapper: Any) -> dict[str, Any]:
    """``plugins=[OptimWrapperPrecision]`` when the run uses AMP optim wrappers, else nothing."""
    wrappers = _amp_wrappers(optim_wrapper)
    if not wrappers:
        return {}
    dtypes = {w.cast_dtype for w in wrappers}
    precision: Literal["16-mixed", "bf16-mixed"] = (
        "bf16-mixed" if dtypes == {torch.bfloat16} else "16-mixed"
    )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return dict(plugins=[OptimWrapperPrecision(precision, device, wrappers)])
