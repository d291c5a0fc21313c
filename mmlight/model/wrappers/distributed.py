"""``MMDistributedDataParallel``: torch's DDP around a ``BaseModel``, with its three steps.

A runner calls ``train_step``/``val_step``/``test_step`` on whatever it holds as the model;
torch's DDP has none of them. This wrapper adds them: the training step runs the forward
through DDP (so the reducer sees which parameters the loss used) and the update after it.
Under Lightning, ``DDPStrategy`` wraps the LightningModule instead and this class is not
needed; it is here for code that builds the wrapper itself (``MODEL_WRAPPERS.build``) and for
``MMSeparateDistributedDataParallel``, which wraps each submodule in one.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from mmlight.model.errors import ModelTypeError
from mmlight.model.utils import detect_anomalous_params
from mmlight.registry import MODEL_WRAPPERS

__all__ = ["MMDistributedDataParallel", "run_forward"]


def run_forward(model: nn.Module, data: Any, mode: str) -> Any:
    """``model(**data, mode=mode)`` for a dict, ``model(*data, mode=mode)`` for a sequence."""
    if isinstance(data, dict):
        return model(**data, mode=mode)
    if isinstance(data, (list, tuple)):
        return model(*data, mode=mode)
    raise ModelTypeError(
        "Output of `data_preprocessor` should be list, tuple or dict, but got "
        f"{type(data).__name__}"
    )


@MODEL_WRAPPERS.register_module()
class MMDistributedDataParallel(DistributedDataParallel):
    """DDP whose ``train_step`` preprocesses, runs the loss forward and updates the weights.

    ``detect_anomalous_params=True`` logs the parameters the loss did not reach (the usual
    cause of DDP's "expected to have finished reduction" error); slow, for debugging only.
    Every other keyword is torch's ``DistributedDataParallel`` argument.
    """

    def __init__(self, module: nn.Module, detect_anomalous_params: bool = False, **kwargs: Any):
        super().__init__(module=module, **kwargs)
        self.detect_anomalous_params = detect_anomalous_params

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        """One training iteration; the forward runs through DDP, the update after it."""
        model: Any = self.module
        with optim_wrapper.optim_context(self):
            data = model.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode="loss")
        parsed_loss, log_vars = model.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        if self.detect_anomalous_params:
            detect_anomalous_params(parsed_loss, model=self)
        return log_vars

    def val_step(self, data: Any) -> Any:
        """The wrapped model's ``val_step`` (no gradients, so no DDP forward needed)."""
        model: Any = self.module
        return model.val_step(data)

    def test_step(self, data: Any) -> Any:
        """The wrapped model's ``test_step``."""
        model: Any = self.module
        return model.test_step(data)

    def _run_forward(self, data: Any, mode: str) -> Any:
        return run_forward(self, data, mode)
