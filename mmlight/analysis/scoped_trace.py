"""A jit trace of a model whose nodes know which submodule ran them.

``torch.jit`` records every aten op of a forward pass, but not the module it ran in. Forward
pre- and post-hooks push and pop the module's name on the tracer's scope stack, so each node's
``scopeName()`` reads ``outer/outer.inner``. The hooks are removed even when the trace fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import nn

__all__ = ["named_modules_with_dup", "named_modules_without_dup", "scoped_trace_graph"]

#: Wrappers whose ``.module`` is traced in their place, under the wrapper's name.
_WRAPPERS = (nn.DataParallel, nn.parallel.DistributedDataParallel)


def named_modules_with_dup(model: nn.Module, prefix: str = "") -> Iterator[tuple[str, nn.Module]]:
    """``model.named_modules()`` that also yields a shared module under each of its names."""
    yield prefix, model
    for name, child in model._modules.items():
        if child is not None:
            yield from named_modules_with_dup(child, f"{prefix}.{name}" if prefix else name)


def named_modules_without_dup(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """Each module once, under the first name a depth-first walk meets it by."""
    seen: set[int] = set()
    for name, module in named_modules_with_dup(model):
        if id(module) not in seen:
            seen.add(id(module))
            yield name, module


class _PushScope:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, module: nn.Module, inputs: Any) -> None:
        state = torch._C._get_tracing_state()
        if state:
            state.push_scope(self.name)


def _pop_scope(module: nn.Module, inputs: Any, outputs: Any) -> None:
    state = torch._C._get_tracing_state()
    if state:
        state.pop_scope()


def scoped_trace_graph(
    model: nn.Module, inputs: Any, aliases: Mapping[nn.Module | str, str]
) -> torch._C.Graph:
    """Trace ``model(*inputs)`` into an inlined graph whose nodes carry the canonical names
    (``aliases[module]``) of the modules that called them."""
    handles: list[Any] = []

    def hook(module: nn.Module, name: str) -> None:
        handles.append(module.register_forward_pre_hook(_PushScope(name)))
        handles.append(module.register_forward_hook(_pop_scope))

    try:
        if isinstance(model, _WRAPPERS):
            # the wrapper is not traced itself: its child runs under the wrapper's name too
            hook(model.module, aliases[model])
            model = model.module
        for _, module in named_modules_without_dup(model):
            hook(module, aliases[module])
        graph, _ = torch.jit._get_trace_graph(model, inputs)
    finally:
        for handle in handles:
            handle.remove()
    return graph
