"""Register every ``torch.optim.Optimizer`` subclass in ``OPTIMIZERS`` under its class name.

As mmengine, ``torch.optim.Adafactor`` (torch >= 2.5) is registered as ``'TorchAdafactor'``,
leaving ``'Adafactor'`` to the transformers optimizer of that name, and the ``Optimizer`` base
class itself is registered too.
"""

from __future__ import annotations

import inspect

import torch

from mmlight.registry import OPTIMIZERS

__all__ = ["TORCH_OPTIMIZERS", "register_torch_optimizers"]

_RENAMED = {"Adafactor": "TorchAdafactor"}


def register_torch_optimizers() -> list[str]:
    """Register torch's optimizers; returns the ``torch.optim`` attribute names registered.

    Safe to call again: a name already bound to the same class is left alone.
    """
    registered: list[str] = []
    for attr in dir(torch.optim):
        if attr.startswith("__"):
            continue
        obj = getattr(torch.optim, attr)
        if not (inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer)):
            continue
        name = _RENAMED.get(attr, attr)
        if OPTIMIZERS.module_dict.get(name) is not obj:
            OPTIMIZERS.register_module(name=name, module=obj)
        registered.append(attr)
    return registered


TORCH_OPTIMIZERS = register_torch_optimizers()
