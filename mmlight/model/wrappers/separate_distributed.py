"""``MMSeparateDistributedDataParallel``: one DDP per submodule, for GAN-style models.

A GAN updates its generator and its discriminator in separate steps of one iteration. Under a
single DDP around the whole model, each step's backward leaves the other half's parameters
without gradients and DDP's reducer fails. This wrapper wraps every direct submodule that has
trainable parameters in its own ``MMDistributedDataParallel`` and leaves the model's
``train_step`` in charge: it decides which submodule runs forward and backward when.

Checkpoints stay wrapper-free: the per-submodule DDPs drop their ``module.`` level from
``state_dict()`` and accept keys without it on ``load_state_dict()``, so weights saved from
a separately wrapped model load into the bare model and back (mmengine's ``Runner`` saves
``generator.module.*`` keys here; its loader, like mmlight's, expects them without).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from mmlight.registry import MODEL_WRAPPERS

from .distributed import MMDistributedDataParallel

__all__ = ["MMSeparateDistributedDataParallel"]

_WRAPPED = "module."


def _default_device(kwargs: dict[str, Any]) -> torch.device:
    """Where the submodules live: DDP's ``device_ids`` if given, else the current device."""
    device_ids = kwargs.get("device_ids")
    if device_ids:
        first = device_ids[0]
        return first if isinstance(first, torch.device) else torch.device("cuda", first)
    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _rename(keys: list[str], old: str, new: str) -> dict[str, str]:
    """``old`` -> ``new`` at the start of each key that is ``old`` or continues it with '.'."""
    return {
        key: new + key[len(old):]
        for key in keys
        if key == old or key.startswith(old if old.endswith(".") else old + ".")
    }


def _drop_wrapper_level(
    module: nn.Module, state_dict: dict[str, Any], prefix: str, local_metadata: Any
) -> None:
    """State-dict post hook of a submodule DDP: ``g.module.w`` -> ``g.w`` (and the metadata)."""
    for old, new in _rename(list(state_dict), prefix + _WRAPPED, prefix).items():
        state_dict[new] = state_dict.pop(old)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        inner = prefix + _WRAPPED[:-1]
        renamed = _rename(list(metadata), inner, prefix[:-1])
        for old, new in renamed.items():
            metadata[new] = metadata.pop(old)


def _add_wrapper_level(
    module: nn.Module,
    state_dict: dict[str, Any],
    prefix: str,
    local_metadata: Any,
    strict: bool,
    missing_keys: list[str],
    unexpected_keys: list[str],
    error_msgs: list[str],
) -> None:
    """Load pre hook of a submodule DDP: wrapper-free keys ``g.w`` -> ``g.module.w``."""
    wrapped = prefix + _WRAPPED
    keys = [k for k in state_dict if k.startswith(prefix) and not k.startswith(wrapped)]
    for key in keys:
        state_dict[wrapped + key[len(prefix):]] = state_dict.pop(key)


@MODEL_WRAPPERS.register_module()
class MMSeparateDistributedDataParallel(DistributedDataParallel):
    """Wraps each direct submodule with trainable parameters in its own DDP.

    Submodules without parameters, or with frozen ones only, are moved to the device and left
    unwrapped. ``train_step``/``val_step``/``test_step`` are the wrapped model's own, which
    then runs its submodules through their DDPs. ``**kwargs`` are torch's DDP arguments.

    The class derives from ``DistributedDataParallel`` so ``isinstance`` checks for DDP hold,
    but it is not a DDP itself: it has no reducer and no ``forward`` of its own.
    """

    def __init__(
        self,
        module: nn.Module,
        broadcast_buffers: bool = False,
        find_unused_parameters: bool = False,
        **kwargs: Any,
    ) -> None:
        # DDP's own __init__ would wrap the whole model: skip it, set up a plain Module.
        super(DistributedDataParallel, self).__init__()
        self.module = module
        device = _default_device(kwargs)
        for name, child in list(module._modules.items()):
            if child is None:
                continue
            params = list(child.parameters())
            if not any(p.requires_grad for p in params):
                module._modules[name] = child.to(device)
                continue
            wrapped = MMDistributedDataParallel(
                module=child.to(device),
                broadcast_buffers=broadcast_buffers,
                find_unused_parameters=find_unused_parameters,
                **kwargs,
            )
            wrapped.register_state_dict_post_hook(_drop_wrapper_level)
            wrapped.register_load_state_dict_pre_hook(_add_wrapper_level)
            module._modules[name] = wrapped

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        """The model's own ``train_step``; its submodules are the separate DDPs now."""
        model: Any = self.module
        result: dict[str, torch.Tensor] = model.train_step(data, optim_wrapper)
        return result

    def val_step(self, data: Any) -> Any:
        """The model's own ``val_step``."""
        model: Any = self.module
        return model.val_step(data)

    def test_step(self, data: Any) -> Any:
        """The model's own ``test_step``."""
        model: Any = self.module
        return model.test_step(data)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Every submodule DDP skips its gradient all-reduce (gradient accumulation)."""
        with contextlib.ExitStack() as stack:
            for child in self.module._modules.values():
                if isinstance(child, DistributedDataParallel):
                    stack.enter_context(child.no_sync())
            yield

    def train(self, mode: bool = True) -> MMSeparateDistributedDataParallel:
        """Plain ``Module.train``: DDP's version reads state this class never sets up."""
        self.training = mode
        self.module.train(mode)
        return self
