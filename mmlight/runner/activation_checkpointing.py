"""``turn_on_activation_checkpointing``: recompute chosen sub-modules' activations in backward.

mmengine's function and config key (``activation_checkpointing = ['backbone.layer1', ...]``):
each named sub-module's ``forward`` is wrapped in ``torch.utils.checkpoint.checkpoint``, so its
intermediate activations are dropped after the forward pass and recomputed during backward,
trading compute for memory. Results and gradients are unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from torch import nn

__all__ = ["turn_on_activation_checkpointing"]


def _checkpointed(forward: Callable[..., Any]) -> Callable[..., Any]:
    from torch.utils.checkpoint import checkpoint

    @functools.wraps(forward)
    def run(*args: Any, **kwargs: Any) -> Any:
        # Non-reentrant: works when no input requires grad, and with keyword arguments.
        return checkpoint(forward, *args, use_reentrant=False, **kwargs)

    return run


def turn_on_activation_checkpointing(model: nn.Module, modules: list[str] | str) -> None:
    """Checkpoint the sub-modules of ``model`` named by dotted paths (``'backbone.layer1'``).

    Raises ``AttributeError`` naming the path when ``model`` has no such sub-module.
    """
    names = [modules] if isinstance(modules, str) else list(modules)
    for name in names:
        try:
            module = attrgetter(name)(model)
        except AttributeError as err:
            raise AttributeError(
                f"activation_checkpointing: {type(model).__name__} has no sub-module {name!r}"
            ) from err
        module.forward = _checkpointed(module.forward)
