"""Model helpers mmengine exports from ``mmengine.model``: batching, dict merging, SyncBN swaps."""

from __future__ import annotations

import logging
import sys
from typing import Any

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from ._logging import current_logger
from .errors import ModelTypeError, ModelValueError

__all__ = [
    "convert_sync_batchnorm",
    "detect_anomalous_params",
    "merge_dict",
    "revert_sync_batchnorm",
    "stack_batch",
]


def stack_batch(
    tensor_list: list[torch.Tensor], pad_size_divisor: int = 1, pad_value: int | float = 0
) -> torch.Tensor:
    """Stack same-rank tensors into one batch, padding right/bottom to a common size.

    Every dim except the first (channels) is padded up to the batch maximum, rounded up to a
    multiple of ``pad_size_divisor``.
    """
    if not isinstance(tensor_list, list):
        raise ModelTypeError(
            f"stack_batch expects a list of tensors, but got {type(tensor_list).__name__}"
        )
    if not tensor_list:
        raise ModelValueError("stack_batch got an empty list; there is nothing to stack")
    ranks = [tensor.dim() for tensor in tensor_list]
    if len(set(ranks)) != 1:
        raise ModelValueError(
            f"stack_batch needs tensors with the same number of dims, but got dims {ranks}"
        )
    if not isinstance(pad_size_divisor, int) or pad_size_divisor < 1:
        raise ModelValueError(
            f"pad_size_divisor must be a positive int (1 = no rounding), got {pad_size_divisor!r}"
        )
    shapes = [tuple(tensor.shape) for tensor in tensor_list]
    targets = [-(-max(sizes) // pad_size_divisor) * pad_size_divisor for sizes in zip(*shapes)]
    # dim 0 is the channel dim: never padded
    missing = [[0] + [t - s for t, s in zip(targets[1:], shape[1:])] for shape in shapes]
    if not any(any(row) for row in missing):
        return torch.stack(tensor_list)
    padded = []
    for tensor, row in zip(tensor_list, missing):
        # F.pad takes (before, after) pairs starting from the last dim; pad only "after"
        pad: list[int] = []
        for amount in reversed(row):
            pad += [0, amount]
        padded.append(F.pad(tensor, tuple(pad), value=pad_value))
    return torch.stack(padded)


def merge_dict(*args: dict) -> dict:
    """Merge dicts left to right; traceable by torch.fx, unlike ``dict.update`` in a forward."""
    merged: dict = {}
    for item in args:
        if not isinstance(item, dict):
            raise ModelTypeError(
                f"all arguments of merge_dict should be dicts, but got {type(item).__name__}"
            )
        merged.update(item)
    return merged


# torch.fx then records merge_dict as one opaque call instead of tracing into it
merge_dict = torch.fx.wrap(merge_dict)


def detect_anomalous_params(loss: torch.Tensor, model: nn.Module) -> None:
    """Log (at ERROR) every trainable parameter that ``loss`` does not depend on.

    Those are the parameters that make DDP complain about unused parameters.
    """
    in_graph: set[Any] = set()
    seen: set[Any] = set()
    pending = [loss.grad_fn]
    while pending:
        node = pending.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        variable = getattr(node, "variable", None)
        if variable is not None:
            in_graph.add(variable)
        pending.extend(parent for parent, _ in node.next_functions or ())
    logger = current_logger()
    for name, param in model.named_parameters():
        if param.requires_grad and param not in in_graph:
            logger.log(
                logging.ERROR,
                f"{name} with shape {param.size()} is not in the computational graph \n",
            )


class _BatchNormXd(nn.modules.batchnorm._BatchNorm):
    """BatchNorm that accepts any input rank: the target type when reverting SyncBatchNorm."""

    def _check_input_dim(self, input: torch.Tensor) -> None:
        return None


def _copy_bn_state(source: nn.Module, target: nn.Module) -> None:
    if source.affine:
        with torch.no_grad():
            target.weight = source.weight
            target.bias = source.bias
    target.running_mean = source.running_mean
    target.running_var = source.running_var
    target.num_batches_tracked = source.num_batches_tracked
    if hasattr(source, "qconfig"):
        target.qconfig = source.qconfig


def _sync_bn_types() -> tuple[type, ...]:
    types: list[type] = [nn.SyncBatchNorm]
    mmcv_ops = sys.modules.get("mmcv.ops")  # only if the user's code already loaded mmcv
    if mmcv_ops is not None and hasattr(mmcv_ops, "SyncBatchNorm"):
        types.append(mmcv_ops.SyncBatchNorm)
    return tuple(types)


def revert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every SyncBatchNorm with a plain BatchNorm (for CPU or single-process runs)."""
    result = module
    if isinstance(module, _sync_bn_types()):
        result = _BatchNormXd(
            module.num_features,  # type: ignore[arg-type]
            module.eps,  # type: ignore[arg-type]
            module.momentum,  # type: ignore[arg-type]
            module.affine,  # type: ignore[arg-type]
            module.track_running_stats,  # type: ignore[arg-type]
        )
        _copy_bn_state(module, result)
        result.training = module.training
    for name, child in module.named_children():
        try:
            result.add_module(name, revert_sync_batchnorm(child))
        except Exception:
            # some third-party modules refuse add_module; leave them as they are
            current_logger().warning(f"Failed to convert {child} from SyncBN to BN!")
    return result


def convert_sync_batchnorm(module: nn.Module, implementation: str = "torch") -> nn.Module:
    """Replace every BatchNorm with SyncBatchNorm (``'torch'``) or mmcv's (``'mmcv'``)."""
    result = module
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        sync_bn: Any
        if implementation == "torch":
            sync_bn = nn.SyncBatchNorm
        elif implementation == "mmcv":
            try:
                import mmcv.ops
            except ImportError as err:
                raise ImportError(
                    "convert_sync_batchnorm(implementation='mmcv') needs mmcv with compiled ops "
                    "(pip install mmcv); use implementation='torch' otherwise"
                ) from err
            sync_bn = mmcv.ops.SyncBatchNorm
        else:
            raise ModelValueError(
                f"convert_sync_batchnorm: implementation must be 'torch' or 'mmcv', "
                f"but got {implementation!r}"
            )
        result = sync_bn(
            module.num_features,
            module.eps,
            module.momentum,
            module.affine,
            module.track_running_stats,
        )
        _copy_bn_state(module, result)
    for name, child in module.named_children():
        result.add_module(name, convert_sync_batchnorm(child, implementation))
    return result
