"""``BaseOptimWrapper``: what every optimizer wrapper offers schedulers, hooks and checkpoints.

Parameter schedulers and logging hooks read ``param_groups``, ``defaults``, ``get_lr()`` and
``get_momentum()`` from whatever the runner built; wrappers therefore look like an optimizer
from outside, plus one mmengine quirk kept for checkpoint compatibility: when the optimizer has
several parameter groups, a ``base_param_settings`` pseudo-group is appended to
``param_groups``. Schedulers update it like any group, so it tracks the un-multiplied base
learning rate (``get_lr()['base_lr']``) while the real groups carry ``lr_mult`` factors.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch.optim import Optimizer

__all__ = ["BaseOptimWrapper"]


def _base_param_settings(optimizer: Optimizer) -> dict[str, Any] | None:
    """mmengine's pseudo-group: a dummy tensor plus the optimizer defaults, multi-group only."""
    if len(optimizer.param_groups) <= 1:
        return None
    import torch

    return {"params": torch.tensor([0.0], dtype=torch.float), **optimizer.defaults}


class BaseOptimWrapper(metaclass=ABCMeta):
    """Abstract optimizer wrapper; subclasses decide how gradients are computed and applied."""

    optimizer: Optimizer
    base_param_settings: dict[str, Any] | None

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_param_settings = _base_param_settings(optimizer)

    @abstractmethod
    def update_params(self, *args: Any, **kwargs: Any) -> None:
        """Back-propagate a loss and, when due, step and zero the optimizer."""

    @abstractmethod
    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Compute gradients of ``loss``."""

    @abstractmethod
    def zero_grad(self, **kwargs: Any) -> None:
        """Reset gradients."""

    @abstractmethod
    def step(self, **kwargs: Any) -> None:
        """Apply the gradients."""

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state dict, plus ``base_param_settings`` for multi-group optimizers."""
        state = self.optimizer.state_dict()
        if self.base_param_settings is not None:
            state["base_param_settings"] = self.base_param_settings
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load what :meth:`state_dict` returned (the argument is not modified)."""
        state = dict(state_dict)
        base = state.pop("base_param_settings", None)
        if base is not None:
            self.base_param_settings = base
        self.optimizer.load_state_dict(state)

    # ------------------------------------------------------------------ optimizer look-alike
    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The optimizer's groups, plus the ``base_param_settings`` pseudo-group if any."""
        if self.base_param_settings is not None:
            return [*self.optimizer.param_groups, self.base_param_settings]
        return self.optimizer.param_groups

    @property
    def defaults(self) -> dict[str, Any]:
        return self.optimizer.defaults

    def get_lr(self) -> dict[str, list[float]]:
        """``{'lr': [per group]}``, plus ``'base_lr'`` when the pseudo-group exists."""
        result: dict[str, list[float]] = {}
        if self.base_param_settings is not None:
            result["base_lr"] = [self.base_param_settings["lr"]]
        result["lr"] = [group["lr"] for group in self.optimizer.param_groups]
        return result

    def get_momentum(self) -> dict[str, list[float]]:
        """``{'momentum': [per group]}``: SGD's momentum, Adam's ``betas[0]``, else 0."""
        values: list[float] = []
        for group in self.optimizer.param_groups:
            if "momentum" in group:
                values.append(group["momentum"])
            elif "betas" in group:
                values.append(group["betas"][0])
            else:
                values.append(0)
        return {"momentum": values}
