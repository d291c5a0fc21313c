"""Train a model written to MMCV 1.x's contract through mmlight's (MMEngine-style) loops.

A 1.x model's ``train_step(data_batch, optimizer)`` returns ``dict(loss, log_vars,
num_samples)`` and leaves backward and step to the runner's ``OptimizerHook``; its
``forward(**data, return_loss=False)`` gives the predictions an ``EvalHook`` collected.
:class:`MMCV1ModelAdapter` is a ``BaseModel`` doing exactly that through the optim wrapper, so
the runner needs no other change. Dict batches of per-sample tensor lists (MMEngine's
``pseudo_collate``) are stacked first, as MMCV 1.x's ``collate`` stacked them.
The Runner wraps such a model itself (:func:`adapt_model`, recognised by ``train_step``
taking ``optimizer``); a config may also name the adapter:
``model=dict(type='MMCV1ModelAdapter', model=dict(type=<1.x model>, ...))``.
Checkpoints keep the 1.x model's own parameter names, so 1.x-era checkpoints load as they are.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from mmlight.model.base_model import BaseModel
from mmlight.registry import MODELS

__all__ = ["MMCV1ModelAdapter", "adapt_model", "is_mmcv1_model"]

_PREFIX = "legacy_model."


def is_mmcv1_model(model: Any) -> bool:
    """Whether ``model`` is an ``nn.Module`` (not a BaseModel) whose ``train_step`` takes the
    optimizer, as MMCV 1.x's runners passed it."""
    if not isinstance(model, nn.Module) or isinstance(model, BaseModel):
        return False
    if hasattr(model, "data_preprocessor"):  # an MMEngine-generation model of another base
        return False
    step = getattr(model, "train_step", None)
    if not callable(step):
        return False
    try:
        params = inspect.signature(step).parameters
    except (TypeError, ValueError):
        return False
    return "optimizer" in params and "optim_wrapper" not in params


def adapt_model(model: Any) -> Any:
    """``model`` wrapped in :class:`MMCV1ModelAdapter` when it follows MMCV 1.x's contract."""
    return MMCV1ModelAdapter(model) if is_mmcv1_model(model) else model


@MODELS.register_module()
class MMCV1ModelAdapter(BaseModel):
    """A BaseModel around an MMCV 1.x model (``legacy_model``).

    ``train_step`` calls the 1.x ``train_step`` inside the optim wrapper's context, then
    backward/step/zero_grad through ``optim_wrapper.update_params`` (what ``OptimizerHook``
    did), and returns the 1.x ``log_vars`` for the log. ``val_step``/``test_step`` return the
    1.x ``forward(**data, return_loss=False)`` results as a list, as ``single_gpu_test``
    gathered them for evaluation. ``last_outputs`` keeps the 1.x ``train_step`` result for
    1.x hooks (``runner.outputs``).
    """

    def __init__(
        self,
        model: nn.Module | dict,
        data_preprocessor: dict | nn.Module | None = None,
        init_cfg: dict | list[dict] | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.legacy_model = MODELS.build(model) if isinstance(model, Mapping) else model
        self.last_outputs: dict[str, Any] | None = None
        self._register_state_dict_hook(_drop_prefix)
        self._register_load_state_dict_pre_hook(_add_prefix)

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Any]:
        with optim_wrapper.optim_context(self):
            data = _stacked(self.data_preprocessor(data, True))
            legacy: Any = self.legacy_model
            outputs = legacy.train_step(data, optim_wrapper.optimizer)
        if not isinstance(outputs, dict):
            raise TypeError("model.train_step() must return a dict")
        self.last_outputs = outputs
        if "loss" in outputs:
            optim_wrapper.update_params(outputs["loss"])
        return dict(outputs.get("log_vars", {}))

    def val_step(self, data: Any) -> list:
        return self._predict(_stacked(self.data_preprocessor(data, False)))

    def test_step(self, data: Any) -> list:
        return self._predict(_stacked(self.data_preprocessor(data, False)))

    def _predict(self, data: Any) -> list:
        with torch.no_grad():
            result = self._legacy_call(data, return_loss=False)
        return result if isinstance(result, list) else [result]

    def _legacy_call(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping):
            return self.legacy_model(**data, **kwargs)
        if isinstance(data, (list, tuple)):
            return self.legacy_model(*data, **kwargs)
        return self.legacy_model(data, **kwargs)

    def forward(self, *args: Any, mode: str = "tensor", **kwargs: Any) -> Any:
        """MMEngine's modes onto 1.x's flag: 'loss' -> ``return_loss=True``, else False."""
        return self.legacy_model(*args, return_loss=mode == "loss", **kwargs)


def _stacked(data: Any) -> Any:
    """A batch as MMCV 1.x's collate gave it: in a dict batch (MMEngine's ``pseudo_collate``
    keeps per-sample lists), a list of same-shape tensors becomes one stacked tensor."""
    if isinstance(data, Mapping):
        return {key: _stacked(value) for key, value in data.items()}
    if (
        isinstance(data, list)
        and data
        and all(isinstance(t, torch.Tensor) for t in data)
        and len({t.shape for t in data}) == 1
    ):
        return torch.stack(data)
    return data


def _drop_prefix(module: nn.Module, state_dict: dict, prefix: str, local_metadata: Any) -> None:
    """Save the 1.x model's parameters under their own names (no ``legacy_model.``)."""
    for key in [k for k in state_dict if k.startswith(prefix + _PREFIX)]:
        state_dict[prefix + key[len(prefix + _PREFIX) :]] = state_dict.pop(key)


def _add_prefix(state_dict: dict, prefix: str, *args: Any) -> None:
    """Load 1.x-named parameters (a 1.x checkpoint, or one this adapter saved) into it."""
    own = (prefix + _PREFIX, prefix + "data_preprocessor.")
    for key in [k for k in state_dict if k.startswith(prefix) and not k.startswith(own)]:
        state_dict[prefix + _PREFIX + key[len(prefix) :]] = state_dict.pop(key)
