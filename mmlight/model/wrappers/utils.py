"""Recognising model wrappers (DDP and friends) by what is registered in MODEL_WRAPPERS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn

__all__ = ["is_model_wrapper"]


def is_model_wrapper(model: nn.Module, registry: Any = None) -> bool:
    """True if ``model`` is an instance of a class registered in ``registry`` or its children.

    ``registry`` defaults to the root ``MODEL_WRAPPERS``, so wrappers registered by downstream
    scopes (child registries) count too.
    """
    if registry is None:
        from mmlight.registry import MODEL_WRAPPERS

        registry = MODEL_WRAPPERS
    wrapper_types = tuple(registry.module_dict.values())
    if wrapper_types and isinstance(model, wrapper_types):
        return True
    return any(is_model_wrapper(model, child) for child in registry.children.values())
