"""``DeepSpeedOptimWrapper``: the optimizer wrapper of ``strategy=dict(type='DeepSpeedStrategy')``.

Under DeepSpeed the engine owns backward, the optimizer step, gradient accumulation and
zeroing the gradients, so this wrapper only forwards ``backward`` and ``step`` to it and never
zeroes the gradients itself. On Lightning the engine is reached through the bound stepper
(``manual_backward`` and the Lightning optimizer, which call the engine's ``backward`` and
``step``); without a stepper, through ``model`` (the engine), as mmengine does. Optimizer state
lives in DeepSpeed's own checkpoints: ``state_dict`` holds ``base_param_settings`` only.

DeepSpeed is optional: without it, building this wrapper raises an install hint.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import torch
from torch.optim import Optimizer

from mmlight.registry import OPTIM_WRAPPERS

from .optimizer_wrapper import OptimWrapper

__all__ = ["DeepSpeedOptimWrapper"]


@OPTIM_WRAPPERS.register_module()
class DeepSpeedOptimWrapper(OptimWrapper):
    """Backward and step by the DeepSpeed engine; ``zero_grad`` is the engine's business."""

    def __init__(self, optimizer: Optimizer) -> None:
        if importlib.util.find_spec("deepspeed") is None:
            raise ModuleNotFoundError(
                "optim_wrapper=dict(type='DeepSpeedOptimWrapper') needs DeepSpeed, which is not "
                "installed: pip install deepspeed (it runs with "
                "strategy=dict(type='DeepSpeedStrategy'))"
            )
        super().__init__(optimizer)
        self._model: Any = None

    @property
    def model(self) -> Any:
        """The DeepSpeed engine (set by whoever builds it, when no stepper is bound)."""
        if self._model is None:
            raise ValueError("model attribute should be set before accessing.")
        return self._model

    @model.setter
    def model(self, value: Any) -> None:
        self._model = value

    def update_params(
        self, loss: torch.Tensor, step_kwargs: dict | None = None, zero_kwargs: dict | None = None
    ) -> None:
        """Backward, then step: the engine accumulates and zeroes as its config says."""
        self.backward(loss)
        self.step(**(step_kwargs or {}))

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        if self._stepper is not None:
            super().backward(loss, **kwargs)
        else:
            self.model.backward(loss)

    def zero_grad(self, **kwargs: Any) -> None:
        raise NotImplementedError(
            "DeepSpeedOptimWrapper does not support zero_grad method currently."
        )

    def step(self, **kwargs: Any) -> None:
        if self._stepper is not None:
            self._stepper.step(self, **kwargs)
        else:
            self.model.step()

    def state_dict(self) -> dict:
        state: dict[str, Any] = {}
        if self.base_param_settings is not None:
            state["base_param_settings"] = self.base_param_settings
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        base_param_settings = state_dict.pop("base_param_settings", None)
        if base_param_settings is not None:
            self.base_param_settings = base_param_settings
