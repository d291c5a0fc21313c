"""Adapters that let objects of another hook contract join the runner's hooks.

``Runner.register_hook`` asks :func:`adapt_hook` about any object that is not a hook of an
accepted base (:mod:`mmlight.hooks.hook_bases`); the first adapter that recognises it returns
the wrapping hook. An adapter is named by ``"module:function"`` and imported only when an
unknown object turns up, so registering one costs nothing at import time. MMCV 1.x hooks
(``before_epoch(runner)``, ``runner.log_buffer``, ...) are adapted by default.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["adapt_hook", "add_hook_adapter", "hook_adapters", "remove_hook_adapter"]

Adapter = Callable[[Any], Any]

_ADAPTERS: list[str | Adapter] = ["mmlight.mmcv1.hook_adapter:adapt"]
_LOCK = threading.Lock()


def hook_adapters() -> tuple[str | Adapter, ...]:
    """The adapters, in the order they are asked."""
    return tuple(_ADAPTERS)


def add_hook_adapter(adapter: str | Adapter) -> None:
    """Ask ``adapter`` (a callable, or ``"module:function"``) too: it returns a hook or None."""
    with _LOCK:
        if adapter not in _ADAPTERS:
            _ADAPTERS.append(adapter)


def remove_hook_adapter(adapter: str | Adapter) -> None:
    """Undo :func:`add_hook_adapter`."""
    with _LOCK:
        if adapter in _ADAPTERS:
            _ADAPTERS.remove(adapter)


def _resolve(adapter: str | Adapter) -> Adapter:
    if callable(adapter):
        return adapter
    module, _, name = adapter.partition(":")
    return getattr(importlib.import_module(module), name)


def adapt_hook(obj: Any) -> Any:
    """The hook wrapping ``obj`` from the first adapter that recognises it, else None."""
    for adapter in hook_adapters():
        hook = _resolve(adapter)(obj)
        if hook is not None:
            return hook
    return None
