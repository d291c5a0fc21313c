"""Minimal, safe checkpoint loading for ``init_cfg=dict(type='Pretrained', ...)``.

This is a stop-gap until mmlight's runner-level checkpoint loading exists: it reads a weights
file through fsspec (or torch.hub for http(s) URLs, which caches like mmengine does) with
``torch.load(weights_only=True)``, so loading a file never runs arbitrary pickled code, and
copies the matching tensors into the module with mmengine's tolerant rules (mismatches are
logged, not raised).
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mmlight.dist import barrier, get_dist_info, get_rank

from ._logging import current_logger
from .errors import ModelTypeError, ModelValueError

if TYPE_CHECKING:
    from torch import nn

__all__ = ["load_pretrained"]

_MODEL_ZOO_SCHEMES = (
    "torchvision://",
    "modelzoo://",
    "open-mmlab://",
    "openmmlab://",
    "mmcls://",
    "pavi://",
)


class CheckpointUnpicklingError(pickle.UnpicklingError):
    """The file holds Python objects that ``weights_only=True`` refuses to rebuild."""


def _read_checkpoint(filename: str, map_location: Any) -> Any:
    import torch

    if filename.startswith(_MODEL_ZOO_SCHEMES):
        scheme = filename.split("://", 1)[0]
        raise NotImplementedError(
            f"Pretrained checkpoint {filename!r}: the {scheme}:// model-zoo scheme is not "
            "supported by mmlight yet; download the file and give its local path or URL"
        )
    try:
        if filename.startswith(("http://", "https://")):
            return _download(filename, map_location)
        import fsspec

        path = filename if "://" in filename else os.path.expanduser(filename)
        try:
            with fsspec.open(path, "rb") as stream:
                if not stream.seekable():
                    stream = io.BytesIO(stream.read())
                return torch.load(stream, map_location=map_location, weights_only=True)
        except FileNotFoundError as err:
            raise FileNotFoundError(f"Pretrained checkpoint {filename!r} can not be found") from err
    except pickle.UnpicklingError as err:
        raise CheckpointUnpicklingError(
            f"Pretrained checkpoint {filename!r} contains Python objects besides tensors, "
            "which mmlight does not unpickle (torch.load(weights_only=True)). Training "
            "checkpoints from mmengine carry such objects (e.g. message_hub). If you trust the "
            "file, save just its weights: torch.save(torch.load(path, weights_only=False)"
            "['state_dict'], 'weights.pth') and point init_cfg at 'weights.pth'.\n"
            f"torch said: {err}"
        ) from err


def _download(url: str, map_location: Any) -> Any:
    """torch.hub download + cache; rank 0 fetches first so other ranks hit the cache."""
    import torch

    rank, world_size = get_dist_info()
    checkpoint = None
    if rank == 0:
        checkpoint = torch.hub.load_state_dict_from_url(
            url, map_location=map_location, progress=False, weights_only=True
        )
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = torch.hub.load_state_dict_from_url(
                url, map_location=map_location, progress=False, weights_only=True
            )
    return checkpoint


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


def _select_prefix(state_dict: Mapping[str, Any], prefix: str, filename: str) -> dict[str, Any]:
    if not prefix.endswith("."):
        prefix += "."
    selected = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not selected:
        tops = sorted({key.split(".", 1)[0] + "." for key in state_dict})
        raise ModelValueError(
            f"Pretrained checkpoint {filename!r} has no keys starting with prefix {prefix!r}; "
            f"top-level prefixes in the file: {tops}"
        )
    return selected


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
        to_load = _select_prefix(state_dict, prefix, filename)
    problems = _load_tolerant(module, to_load)
    if problems and get_rank() == 0:
        logger.log(
            logging.WARNING,
            "The model and loaded state dict do not match exactly\n\n" + "\n".join(problems),
        )
