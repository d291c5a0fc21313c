"""``ApexOptimWrapper``: mmengine's NVIDIA apex AMP wrapper, which Lightning cannot run.

apex's ``amp.initialize`` patches the model and the optimizer in place and scales the loss in
its own context manager; Lightning 2 removed apex support and routes every backward through
its own precision plugins. So the name is registered (configs that name it get a clear
answer), and building it says what to use instead: ``AmpOptimWrapper`` (``torch.amp``), which
Lightning runs, and whose ``dtype='float16'`` with dynamic loss scaling is what apex's
default ``opt_level='O1'`` does. Without apex, the message starts with mmengine's install hint.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import torch

from mmlight.registry import OPTIM_WRAPPERS

from .optimizer_wrapper import OptimWrapper

__all__ = ["ApexOptimWrapper"]

_USE_INSTEAD = (
    "use optim_wrapper=dict(type='AmpOptimWrapper', dtype='float16', ...) instead: torch.amp "
    "with dynamic loss scaling, what apex's opt_level='O1' does, and what Lightning runs"
)


@OPTIM_WRAPPERS.register_module()
class ApexOptimWrapper(OptimWrapper):
    """Refused on Lightning (see the module docstring); the arguments are mmengine's."""

    def __init__(
        self,
        opt_level: str = "O1",
        loss_scale: float | str | None = "dynamic",
        enabled: bool | None = True,
        cast_model_type: torch.dtype | None = None,
        patch_torch_functions: bool | None = None,
        keep_batchnorm_fp32: bool | str | None = None,
        master_weights: bool | None = None,
        cast_model_outputs: torch.dtype | None = None,
        num_losses: int = 1,
        verbosity: int = 1,
        min_loss_scale: float | None = None,
        max_loss_scale: float | None = 2.0**24,
        **kwargs: Any,
    ) -> None:
        if importlib.util.find_spec("apex") is None:
            raise ModuleNotFoundError(
                "Apex is not installed. Please check https://github.com/NVIDIA/apex#linux. "
                "(optim_wrapper=dict(type='ApexOptimWrapper') needs NVIDIA apex, and Lightning "
                f"cannot run apex AMP even with it installed; {_USE_INSTEAD})"
            )
        raise NotImplementedError(
            "optim_wrapper=dict(type='ApexOptimWrapper') is not supported on Lightning (apex AMP "
            f"was removed in Lightning 2.0); {_USE_INSTEAD}"
        )
