"""Turning a batch from the dataloader into images and names for the visualization hooks."""

from __future__ import annotations

import os.path as osp
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["iter_samples", "to_image"]


def _meta(sample: Any, key: str, default: Any = None) -> Any:
    """A field of a data sample: a dict key, an attribute, or a ``metainfo`` entry."""
    if isinstance(sample, dict):
        return sample.get(key, default)
    if hasattr(sample, key):
        return getattr(sample, key)
    metainfo = getattr(sample, "metainfo", None)
    return metainfo.get(key, default) if isinstance(metainfo, dict) else default


def to_image(value: Any, sample: Any = None) -> Any:
    """An RGB ``uint8`` ``(H, W, 3)`` (or ``(H, W)``) array from a CHW tensor or HWC array.

    A data sample's ``img_norm_cfg`` (``mean``, ``std``, ``to_rgb``) undoes the normalisation;
    a ``pad_shape`` with ``img_shape`` crops the padding away.
    """
    import numpy as np

    if hasattr(value, "detach"):
        array = value.detach().cpu().float().numpy()
        if array.ndim == 3 and array.shape[0] in (1, 3, 4):
            array = array.transpose(1, 2, 0)  # CHW -> HWC
    else:
        array = np.asarray(value, dtype=np.float32)
    norm = _meta(sample, "img_norm_cfg") if sample is not None else None
    if isinstance(norm, dict):
        array = array * np.asarray(norm.get("std", 1.0)) + np.asarray(norm.get("mean", 0.0))
        if norm.get("to_rgb") and array.ndim == 3 and array.shape[2] == 3:
            array = array[..., ::-1]
    img_shape = _meta(sample, "img_shape") if sample is not None else None
    if img_shape is not None:
        array = array[: int(img_shape[0]), : int(img_shape[1])]
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    return np.ascontiguousarray(np.clip(array, 0, 255).astype(np.uint8))


def iter_samples(
    data_batch: Any, outputs: Sequence | None, prefix: str, batch_idx: int
) -> Iterator[tuple[str, Any, Any]]:
    """``(name, image, prediction)`` for each sample of a collated batch.

    Batches are dicts with ``inputs`` (a list or a stacked tensor) and optional
    ``data_samples``, as mmengine's collate functions build them; anything else is skipped.
    The name is the basename of the sample's ``img_path`` when it has one.
    """
    if not isinstance(data_batch, dict) or "inputs" not in data_batch:
        return
    inputs = data_batch["inputs"]
    samples = data_batch.get("data_samples") or [None] * len(inputs)
    predictions = list(outputs) if outputs is not None else [None] * len(inputs)
    for index, (image, sample) in enumerate(zip(inputs, samples, strict=False)):
        img_path = _meta(sample, "img_path") if sample is not None else None
        name = osp.basename(str(img_path)) if img_path else f"{prefix}_{batch_idx}_{index}"
        prediction = predictions[index] if index < len(predictions) else None
        yield name, to_image(image, sample), prediction
