"""Value plumbing for TorchMetricAdapter: read keys, batch samples, move and format tensors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

# Returned by ``lookup`` for a missing key (None can be a legitimate value).
MISSING = object()


def lookup(sample: Mapping[str, Any], path: str) -> Any:
    node: Any = sample
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return MISSING
    return node


def as_dict(sample: Any) -> Any:
    to_dict = getattr(sample, "to_dict", None)
    return to_dict() if callable(to_dict) else sample


def collate(values: list[Any]) -> Any:
    """Batch per-sample values the way torchmetrics expects them (see the adapter's doc)."""
    if values and all(isinstance(v, (bool, int, float)) for v in values):
        return torch.tensor(values)
    if values and all(isinstance(v, torch.Tensor) for v in values):
        shapes = {tuple(v.shape) for v in values}
        if len(shapes) == 1:
            if shapes == {(1,)}:
                return torch.cat(values)
            return torch.stack(values)
    return list(values)


def first_device(value: Any) -> torch.device | None:
    if isinstance(value, torch.Tensor):
        return value.device
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            device = first_device(item)
            if device is not None:
                return device
    return None


def move(value: Any, device: torch.device) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, Mapping):
        return {key: move(item, device) for key, item in value.items()}
    if isinstance(value, list):
        return [move(item, device) for item in value]
    if isinstance(value, tuple):
        return tuple(move(item, device) for item in value)
    return value


def batch_len(value: Any) -> int | None:
    if isinstance(value, torch.Tensor):
        return int(value.shape[0]) if value.ndim > 0 else None
    if isinstance(value, list):
        return len(value)
    return None


def to_python(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return value.item() if value.ndim == 0 else value
    if isinstance(value, Mapping):
        return {key: to_python(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_python(item) for item in value)
    return value
