"""``BaseModel``: the model contract the runner drives (train/val/test steps around ``forward``).

A subclass only writes ``forward(inputs, data_samples, mode)``; the steps here preprocess the
batch, call ``forward`` in the right mode, reduce the loss dict and let the optimizer wrapper
do backward + step. The wrapper is used only through ``optim_context(model)`` and
``update_params(loss)``, so any object with those two methods works (mmlight's OptimWrapper,
mmengine's, or a test double).
"""

from __future__ import annotations

from abc import abstractmethod
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Protocol

import torch
from torch import nn

from mmlight.registry import MODELS

from ..base_module import BaseModule
from ..errors import ModelTypeError
from .data_preprocessor import BaseDataPreprocessor

__all__ = ["BaseModel"]


class _OptimWrapperLike(Protocol):
    def optim_context(self, model: nn.Module) -> Any: ...

    def update_params(self, loss: torch.Tensor) -> Any: ...


class LossTypeError(TypeError):
    """A value in the loss dict is neither a tensor nor a list of tensors."""


class BaseModel(BaseModule):
    """Base class for models trained by the runner; subclasses implement :meth:`forward`.

    ``data_preprocessor`` is a module, a config dict built through ``MODELS``, or None for a
    plain :class:`BaseDataPreprocessor` that only moves data to the model's device.
    """

    data_preprocessor: BaseDataPreprocessor

    def __init__(
        self,
        data_preprocessor: dict | nn.Module | None = None,
        init_cfg: dict | list[dict] | None = None,
    ) -> None:
        super().__init__(init_cfg)
        if data_preprocessor is None:
            data_preprocessor = dict(type="BaseDataPreprocessor")
        if isinstance(data_preprocessor, nn.Module):
            self.data_preprocessor = data_preprocessor  # type: ignore[assignment]
        elif isinstance(data_preprocessor, Mapping):
            self.data_preprocessor = MODELS.build(data_preprocessor)
        else:
            raise ModelTypeError(
                f"{type(self).__name__}: data_preprocessor should be a config dict (e.g. "
                "dict(type='ImgDataPreprocessor', mean=..., std=...)), an nn.Module or None, "
                f"but got {type(data_preprocessor).__name__}"
            )

    def train_step(
        self, data: dict | tuple | list, optim_wrapper: _OptimWrapperLike
    ) -> dict[str, torch.Tensor]:
        """Preprocess, forward in 'loss' mode, reduce the losses, update; return the log vars."""
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode="loss")
        parsed_loss, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        return log_vars

    def val_step(self, data: dict | tuple | list) -> list:
        """Predictions for the evaluator: preprocess (no training augmentation), 'predict' mode."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode="predict")

    def test_step(self, data: dict | tuple | list) -> list:
        """Same as :meth:`val_step`."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode="predict")

    def parse_losses(
        self, losses: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Reduce a loss dict to the scalar to optimise plus the values to log.

        Each value is a tensor (averaged) or a list of tensors (each averaged, then summed).
        The optimised loss is the sum of every entry whose key contains ``'loss'``; other entries
        (accuracies...) are only logged. ``log_vars`` starts with ``'loss'``, then follows the
        input order.
        """
        reduced: list[tuple[str, Any]] = []
        for name, value in losses.items():
            if isinstance(value, torch.Tensor):
                reduced.append((name, value.mean()))
            elif isinstance(value, list) and all(isinstance(v, torch.Tensor) for v in value):
                reduced.append((name, sum(v.mean() for v in value)))
            else:
                raise LossTypeError(
                    f"{name} is not a tensor or list of tensors: the loss dict returned by "
                    f"{type(self).__name__}.forward(mode='loss') has {name!r} = "
                    f"{type(value).__name__}; return tensors (or lists of tensors), and log other "
                    "values elsewhere"
                )
        loss = sum(value for name, value in reduced if "loss" in name)
        log_vars: OrderedDict[str, Any] = OrderedDict([("loss", loss), *reduced])
        return loss, log_vars

    def to(self, *args: Any, **kwargs: Any) -> BaseModel:
        device = torch._C._nn._parse_to(*args, **kwargs)[0]
        if device is not None:
            self._set_device(torch.device(device))
        return super().to(*args, **kwargs)

    def cuda(self, device: int | str | torch.device | None = None) -> BaseModel:
        if device is None:
            target = torch.device("cuda")
        elif isinstance(device, int):
            target = torch.device("cuda", device)
        else:
            target = torch.device(device)
        self._set_device(target)
        return super().cuda(target)

    def cpu(self) -> BaseModel:
        self._set_device(torch.device("cpu"))
        return super().cpu()

    def _set_device(self, device: torch.device) -> None:
        """Tell every preprocessor inside where batches must go (they hold no tensors to move)."""
        for module in self.modules():
            if isinstance(module, BaseDataPreprocessor):
                module._device = device

    @abstractmethod
    def forward(
        self,
        inputs: torch.Tensor,
        data_samples: list | None = None,
        mode: str = "tensor",
    ) -> dict[str, torch.Tensor] | list:
        """Compute by ``mode``: 'loss' -> dict of losses, 'predict' -> list of results,
        'tensor' -> raw network output."""

    def _run_forward(self, data: dict | tuple | list, mode: str) -> Any:
        """Call ``self`` with the preprocessed batch spread as keyword or positional arguments."""
        if isinstance(data, dict):
            return self(**data, mode=mode)
        if isinstance(data, (list, tuple)):
            return self(*data, mode=mode)
        raise ModelTypeError(
            f"Output of `data_preprocessor` should be list, tuple or dict, but got "
            f"{type(data).__name__}; {type(self.data_preprocessor).__name__}.forward must "
            "return the batch as a dict of forward() arguments or a list/tuple of them"
        )
