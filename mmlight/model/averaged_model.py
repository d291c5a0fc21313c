"""Running averages of a model's weights (EMA, SWA), as ``mmengine.model.averaged_model``.

An averaged model holds a frozen deep copy of the source model in ``.module`` and a ``steps``
buffer; ``update_parameters(src)`` folds the source's current weights into the copy. The state
dict layout (``steps``, ``module.<name>``) is mmengine's, so ``ema_state_dict`` entries of
checkpoints load in both libraries. Updates are in place: an out-of-place average would
allocate a full model's worth of tensors every step.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import torch
from torch import Tensor, nn

from mmlight.model.errors import ModelValueError
from mmlight.registry import MODELS

__all__ = [
    "BaseAveragedModel",
    "ExponentialMovingAverage",
    "MomentumAnnealingEMA",
    "StochasticWeightAverage",
]


class BaseAveragedModel(nn.Module):
    """Keeps ``module``, a frozen copy of ``model`` whose weights subclasses average.

    Args:
        model: the model whose weights are averaged (it is deep-copied, not shared).
        interval: average every ``interval`` calls of ``update_parameters``; the calls in
            between only count.
        device: where the copy lives (default: wherever ``model`` is).
        update_buffers: average the buffers too (e.g. BatchNorm running stats); otherwise
            buffers are copied from the source at every update.
    """

    steps: Tensor

    def __init__(
        self,
        model: nn.Module,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__()
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ModelValueError(
                f"{type(self).__name__}: interval must be a positive int, got {interval!r}"
            )
        self.module = copy.deepcopy(model).requires_grad_(False)
        self.interval = interval
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("steps", torch.tensor(0, dtype=torch.long, device=device))
        self.update_buffers = update_buffers
        # Views of the copy's tensors, by state-dict name; updated in place.
        self.avg_parameters: dict[str, Tensor] = (
            self.module.state_dict() if update_buffers else dict(self.module.named_parameters())
        )

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: Tensor | int) -> None:
        """Fold ``source_param`` into ``averaged_param`` in place.

        ``steps`` is the ``steps`` buffer: how many updates came before this one.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement avg_func(averaged_param, source_param, steps)"
        )

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def update_parameters(self, model: nn.Module) -> None:
        """Average ``model``'s current weights into ``module``; the first call copies them."""
        source = model.state_dict() if self.update_buffers else dict(model.named_parameters())
        steps = int(self.steps.item())
        if steps == 0:
            for name, averaged in self.avg_parameters.items():
                averaged.data.copy_(source[name].data)
        elif steps % self.interval == 0:
            for name, averaged in self.avg_parameters.items():
                if averaged.dtype.is_floating_point:
                    # The counter tensor itself, as mmengine passes it (subclasses may use it).
                    self.avg_func(averaged.data, source[name].data.to(averaged.device), self.steps)
        if not self.update_buffers:
            # Buffers are not averaged: they follow the source model.
            for own, other in zip(self.module.buffers(), model.buffers()):
                own.data.copy_(other.data.to(own.device))
        self.steps += 1


@MODELS.register_module()
class StochasticWeightAverage(BaseAveragedModel):
    """Stochastic Weight Averaging (Izmailov et al., 2018): the plain mean of the snapshots."""

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: Tensor | int) -> None:
        count = int(steps) // self.interval + 1
        averaged_param.add_(source_param - averaged_param, alpha=1 / float(count))


@MODELS.register_module()
class ExponentialMovingAverage(BaseAveragedModel):
    """``ema = (1 - momentum) * ema + momentum * source`` at every averaging step.

    ``momentum`` is the weight of the *new* value (usually small, e.g. 2e-4), unlike an
    optimizer's momentum.
    """

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__(model, interval, device, update_buffers)
        if (
            isinstance(momentum, bool)
            or not isinstance(momentum, (int, float))
            or not (0.0 < momentum < 1.0)
        ):
            raise ModelValueError(
                f"{type(self).__name__}: momentum must be in range (0.0, 1.0), got {momentum!r}"
            )
        if momentum > 0.5:
            from mmlight.logging import print_log

            print_log(
                f"{type(self).__name__}: momentum={momentum} is the weight of the new value, so "
                "it is usually small (e.g. 0.0002), unlike an optimizer's momentum; check that "
                "this value is intended",
                logger="current",
                level=logging.WARNING,
            )
        self.momentum = momentum

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: Tensor | int) -> None:
        averaged_param.lerp_(source_param, self.momentum)


@MODELS.register_module()
class MomentumAnnealingEMA(ExponentialMovingAverage):
    """EMA whose momentum starts large and anneals: ``max(momentum, gamma / (gamma + steps))``.

    Early in training the average follows the fast-changing weights closely, later it smooths.
    """

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        gamma: int = 100,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__(
            model=model,
            momentum=momentum,
            interval=interval,
            device=device,
            update_buffers=update_buffers,
        )
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma <= 0:
            raise ModelValueError(
                f"MomentumAnnealingEMA: gamma must be greater than 0, got {gamma!r}"
            )
        self.gamma = gamma

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: Tensor | int) -> None:
        momentum = max(self.momentum, self.gamma / (self.gamma + int(steps)))
        averaged_param.lerp_(source_param, momentum)
