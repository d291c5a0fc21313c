"""Checkpoint loading for ``init_cfg=dict(type='Pretrained', ...)``.

The file is read by mmlight's one checkpoint loader
(:class:`mmlight.runner.checkpoint_loader.CheckpointLoader`, through
:func:`mmlight.runner.checkpoint._load_checkpoint`): every scheme mmengine reads (local paths,
fsspec and http(s) URLs cached in torch.hub's folder, ``torchvision://``, ``open-mmlab://``,
``mmcls://`` ...), with the same allow-list, allocation budget and messages as ``load_from``
and resume, so a model-zoo file written by mmengine (message hub, numpy metrics) loads and a
crafted one is refused the same way. The matching tensors are copied into the module with
mmengine's tolerant rules (mismatches are logged, not raised).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mmlight.dist import get_rank

from ._logging import current_logger
from .errors import ModelTypeError

if TYPE_CHECKING:
    from torch import nn

__all__ = ["load_pretrained"]

def _read_checkpoint(filename: str, map_location: Any) -> Any:
    from mmlight.runner.checkpoint import CheckpointNotFoundError, _load_checkpoint

    try:
        return _load_checkpoint(filename, map_location=map_location, logger="current")
    except CheckpointNotFoundError as err:
        raise FileNotFoundError(f"Pretrained checkpoint {filename!r} can not be found: {err}") \
            from err


def _state_dict_of(checkpoint: Any, filename: str) -> Mapping[str, Any]:
    if not isinstance(checkpoint, Mapping):
        raise ModelTypeError(
            f"Pretrained checkpoint {filename!r} holds a {type(checkpoint).__name__}; expected "
            "a state dict or a dict with a 'state_dict' key"
        )
    state_dict = checkpoint.get("state_dict", checkpoint)
    if not isinstance(state_dict, Mapping):
        raise ModelTypeError(
            f"Pretrained checkpoint {filename!r}: 'state_dict' is a "
            f"{type(state_dict).__name__}, expected a mapping of parameter names to tensors"
        )
    return state_dict


def _strip_wrapper_prefix(state_dict: Mapping[str, Any]) -> OrderedDict[str, Any]:
    """Drop the ``module.`` that DataParallel/DDP put in front of every key (as mmengine does)."""
    metadata = getattr(state_dict, "_metadata", OrderedDict())
    renamed: OrderedDict[str, Any] = OrderedDict(
        (re.sub(r"^module\.", "", key), value) for key, value in state_dict.items()
    )
    renamed._metadata = metadata  # type: ignore[attr-defined]
    return renamed


def _load_tolerant(module: nn.Module, state_dict: Mapping[str, Any]) -> list[str]:
    """Copy what fits, collect what does not; returns human-readable mismatch lines."""
    from .wrappers.utils import is_model_wrapper

    metadata = getattr(state_dict, "_metadata", None)
    missing: list[str] = []
    unexpected: list[str] = []
    errors: list[str] = []

    def visit(mod: nn.Module, local: Mapping[str, Any], prefix: str) -> None:
        if is_model_wrapper(mod):
            mod = mod.module  # type: ignore[assignment]
        local_meta = {} if metadata is None else metadata.get(prefix[:-1], {})
        mod._load_from_state_dict(
            dict(local), prefix, local_meta, True, missing, unexpected, errors
        )
        for child_name, child in mod._modules.items():
            if child is None:
                continue
            child_prefix = f"{prefix}{child_name}."
            visit(
                child, {k: v for k, v in local.items() if k.startswith(child_prefix)}, child_prefix
            )

    visit(module, state_dict, "")
    missing = [key for key in missing if "num_batches_tracked" not in key]
    lines = list(errors)
    if unexpected:
        lines.append(f"unexpected key in source state_dict: {', '.join(unexpected)}")
    if missing:
        lines.append(f"missing keys in source state_dict: {', '.join(missing)}")
    return lines


def load_pretrained(
    module: nn.Module, filename: str, prefix: str | None = None, map_location: Any = "cpu"
) -> None:
    """Load ``filename`` (or just its ``prefix.`` sub-tree) into ``module``, non-strictly."""
    logger = current_logger()
    checkpoint = _read_checkpoint(filename, map_location)
    state_dict = _state_dict_of(checkpoint, filename)
    if prefix is None:
        logger.info(f"load model from: {filename}")
        to_load: Mapping[str, Any] = _strip_wrapper_prefix(state_dict)
    else:
        logger.info(f"load {prefix} in model from: {filename}")
        from mmlight.runner.checkpoint import _with_prefix

        to_load = _with_prefix(state_dict, prefix, f"Pretrained checkpoint {filename!r}")
    problems = _load_tolerant(module, to_load)
    if problems and get_rank() == 0:
        logger.log(
            logging.WARNING,
            "The model and loaded state dict do not match exactly\n\n" + "\n".join(problems),
        )
