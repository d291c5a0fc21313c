"""Optimizers of optional packages, registered in ``OPTIMIZERS`` when the package is installed.

mmengine registers these at import and publishes the registered names as lists (tests and
downstream code check membership): ``torch_npu.optim`` (NPU_OPTIMIZERS), ``dadaptation``,
``lion_pytorch``, ``Sophia``, ``bitsandbytes`` (a name torch already uses gets a ``bnb_``
prefix) and transformers' ``Adafactor``. A package that is not installed adds nothing; it is
looked up with ``find_spec`` first so that the common case costs no failed import.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from types import ModuleType

import torch

from mmlight.registry import OPTIMIZERS

__all__ = [
    "BITSANDBYTES_OPTIMIZERS",
    "DADAPTATION_OPTIMIZERS",
    "LION_OPTIMIZERS",
    "NPU_OPTIMIZERS",
    "SOPHIA_OPTIMIZERS",
    "TRANSFORMERS_OPTIMIZERS",
    "register_bitsandbytes_optimizers",
    "register_dadaptation_optimizers",
    "register_lion_optimizers",
    "register_sophia_optimizers",
    "register_torch_npu_optimizers",
    "register_transformers_optimizers",
]


def _optional(name: str) -> ModuleType | None:
    """The installed module ``name``, or None (not installed, or it fails to import)."""
    if importlib.util.find_spec(name.split(".")[0]) is None:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _is_optimizer_class(obj: object) -> bool:
    return inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer)


def _register(name: str, cls: type) -> None:
    # Idempotent: importing twice (or mmengine's registration through the bridge) is harmless.
    if OPTIMIZERS.module_dict.get(name) is not cls:
        OPTIMIZERS.register_module(name=name, module=cls, force=True)


def _register_members(module: ModuleType | None, names: list[str] | None = None) -> list[str]:
    if module is None:
        return []
    registered = []
    for name in names if names is not None else dir(module):
        cls = getattr(module, name, None)
        if _is_optimizer_class(cls):
            _register(name, cls)  # type: ignore[arg-type]
            registered.append(name)
    return registered


def register_torch_npu_optimizers() -> list[str]:
    """Ascend's fused optimizers (``torch_npu.optim``)."""
    return _register_members(_optional("torch_npu.optim"))


def register_dadaptation_optimizers() -> list[str]:
    """D-Adaptation's learning-rate-free optimizers."""
    names = ["DAdaptAdaGrad", "DAdaptAdam", "DAdaptSGD"]
    return _register_members(_optional("dadaptation"), names)


def register_lion_optimizers() -> list[str]:
    """``Lion`` from ``lion_pytorch``."""
    return _register_members(_optional("lion_pytorch"), ["Lion"])


def register_sophia_optimizers() -> list[str]:
    """The optimizers of the ``Sophia`` package."""
    return _register_members(_optional("Sophia"))


def register_bitsandbytes_optimizers() -> list[str]:
    """bitsandbytes' optimizers; one whose name is already taken is registered as ``bnb_<name>``."""
    module = _optional("bitsandbytes")
    if module is None:
        return []
    registered = []
    for name, cls in inspect.getmembers(module.optim, _is_optimizer_class):
        key = name
        if name in OPTIMIZERS.module_dict and OPTIMIZERS.module_dict[name] is not cls:
            key = f"bnb_{name}"
        _register(key, cls)
        registered.append(key)
    return registered


def register_transformers_optimizers() -> list[str]:
    """transformers' ``Adafactor`` (torch's own is registered as ``TorchAdafactor``)."""
    module = _optional("transformers.optimization")
    cls = getattr(module, "Adafactor", None) if module is not None else None
    if cls is None:
        return []
    _register("Adafactor", cls)
    return ["Adafactor"]


NPU_OPTIMIZERS = register_torch_npu_optimizers()
DADAPTATION_OPTIMIZERS = register_dadaptation_optimizers()
LION_OPTIMIZERS = register_lion_optimizers()
SOPHIA_OPTIMIZERS = register_sophia_optimizers()
BITSANDBYTES_OPTIMIZERS = register_bitsandbytes_optimizers()
TRANSFORMERS_OPTIMIZERS = register_transformers_optimizers()
