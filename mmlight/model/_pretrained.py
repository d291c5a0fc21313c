"""Checkpoint loading for ``init_cfg=dict(type='Pretrained', ...)``.

The file is read by mmlight's checkpoint loader (:mod:`mmlight.runner.checkpoint`): the
same allow-list, allocation budget and messages as ``load_from`` and resume, so a model-zoo
file written by mmengine (message hub, numpy metrics) loads and a crafted one is refused the
same way. http(s) URLs are downloaded into torch.hub's cache first, as mmengine does. The
matching tensors are copied into the module with mmengine's tolerant rules (mismatches are
logged, not raised).
"""

from __future__ import annotations

import logging
import os
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

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


def _read_checkpoint(filename: str, map_location: Any) -> Any:
    from mmlight.runner.checkpoint import CheckpointNotFoundError, _load_checkpoint

    if filename.startswith(_MODEL_ZOO_SCHEMES):
        scheme = filename.split("://", 1)[0]
        raise NotImplementedError(
            f"Pretrained checkpoint {filename!r}: the {scheme}:// model-zoo scheme is not "
            "supported by mmlight yet; download the file and give its local path or URL"
        )
    if filename.startswith(("http://", "https://")):
        source = _download(filename)
    else:
        source = filename if "://" in filename else os.path.expanduser(filename)
    try:
        return _load_checkpoint(source, map_location=map_location)
    except CheckpointNotFoundError as err:
        raise FileNotFoundError(f"Pretrained checkpoint {filename!r} can not be found: {err}") \
            from err


def _download(url: str) -> str:
    """The file at ``url`` in torch.hub's cache (``<hub dir>/checkpoints``), fetched if absent;
    rank 0 fetches first so other ranks find it there."""
    from torch.hub import download_url_to_file, get_dir

    folder = os.path.join(get_dir(), "checkpoints")
    path = os.path.join(folder, os.path.basename(urlparse(url).path))
    rank, world_size = get_dist_info()
    if rank == 0 and not os.path.exists(path):
        os.makedirs(folder, exist_ok=True)
        download_url_to_file(url, path, progress=False)
    if world_size > 1:
        barrier()
    return path


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
