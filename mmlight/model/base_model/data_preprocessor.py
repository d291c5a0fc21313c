"""Data preprocessors: the model-owned step that moves a batch to the device and normalises it.

Keeping this step inside the model (rather than the dataloader) lets it run on the accelerator
and lets ``BaseModel.train_step`` stay the same whatever the device.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mmlight.registry import MODELS

from ..errors import ModelKeyError, ModelTypeError, ModelValueError
from ..utils import stack_batch

__all__ = ["BaseDataPreprocessor", "ImgDataPreprocessor", "is_data_element"]


def is_data_element(obj: Any) -> bool:
    """Duck-typed check for a data element, mmlight's or mmengine's ``BaseDataElement``.

    A data element is an object with a callable ``to`` plus ``keys``/``to_dict`` methods, which
    covers :mod:`mmlight.structures` and mmengine's data samples (DetDataSample, ...) when user
    code still imports them.
    """
    return all(callable(getattr(obj, attr, None)) for attr in ("to", "keys", "to_dict"))


@MODELS.register_module()
class BaseDataPreprocessor(nn.Module):
    """Moves every tensor (and data element) in a batch to :attr:`device`, keeping its nesting."""

    def __init__(self, non_blocking: bool | None = False) -> None:
        super().__init__()
        self._non_blocking = non_blocking
        self._device = torch.device("cpu")

    @property
    def device(self) -> torch.device:
        return self._device

    def cast_data(self, data: Any) -> Any:
        """Recursively copy tensors and data elements to :attr:`device`; other leaves pass through.

        Mappings come back as plain dicts; namedtuples, lists and tuples keep their type.
        """
        if isinstance(data, Mapping):
            return {key: self.cast_data(data[key]) for key in data}
        if data is None or isinstance(data, (str, bytes)):
            return data
        if isinstance(data, tuple) and hasattr(data, "_fields"):
            return type(data)(*(self.cast_data(item) for item in data))
        if isinstance(data, Sequence):
            return type(data)(self.cast_data(item) for item in data)  # type: ignore[call-arg]
        if isinstance(data, torch.Tensor) or is_data_element(data):
            return data.to(self.device, non_blocking=self._non_blocking)
        return data

    def forward(self, data: Any, training: bool = False) -> Any:
        """Subclasses add batch-level work (normalise, pad, mixup...) on top of ``cast_data``."""
        return self.cast_data(data)

    # The device moves below also update :attr:`device`, so batches follow the module.

    def to(self, *args: Any, **kwargs: Any) -> BaseDataPreprocessor:
        device = torch._C._nn._parse_to(*args, **kwargs)[0]
        if device is not None:
            self._device = torch.device(device)
        return super().to(*args, **kwargs)

    def cuda(self, device: int | str | torch.device | None = None) -> BaseDataPreprocessor:
        if device is None:
            self._device = torch.device("cuda", torch.cuda.current_device())
        elif isinstance(device, int):
            self._device = torch.device("cuda", device)
        else:
            self._device = torch.device(device)
        return super().cuda(self._device)

    def cpu(self) -> BaseDataPreprocessor:
        self._device = torch.device("cpu")
        return super().cpu()


@MODELS.register_module()
class ImgDataPreprocessor(BaseDataPreprocessor):
    """Channel flip, ``(x - mean) / std`` and right/bottom padding for image batches.

    ``data['inputs']`` is either a list of CHW tensors (from ``pseudo_collate``; they are padded to
    a common size and stacked) or one NCHW tensor (from ``default_collate``). ``mean``/``std`` have
    1 or 3 values; with ``bgr_to_rgb`` they describe the channels *after* the flip.
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(
        self,
        mean: Sequence[float | int] | None = None,
        std: Sequence[float | int] | None = None,
        pad_size_divisor: int = 1,
        pad_value: float | int = 0,
        bgr_to_rgb: bool = False,
        rgb_to_bgr: bool = False,
        non_blocking: bool | None = False,
    ) -> None:
        super().__init__(non_blocking)
        if bgr_to_rgb and rgb_to_bgr:
            raise ModelValueError(
                "ImgDataPreprocessor: `bgr2rgb` and `rgb2bgr` cannot be set to True at the same "
                "time: bgr_to_rgb and rgb_to_bgr cannot both be True; both swap channels 0 and 2, "
                "so set only one of them"
            )
        if (mean is None) != (std is None):
            missing = "std" if std is None else "mean"
            raise ModelValueError(
                "ImgDataPreprocessor: mean and std should be both None or tuple: mean and std "
                "must be given together (or both None to skip normalisation), but "
                f"{missing} is None"
            )
        self._enable_normalize = mean is not None
        if mean is not None and std is not None:
            for arg, values in (("mean", mean), ("std", std)):
                if len(values) not in (1, 3):
                    raise ModelValueError(
                        f"ImgDataPreprocessor: `{arg}` should have 1 or 3 values (gray or RGB "
                        f"images), but got {len(values)}: {list(values)}"
                    )
            self.register_buffer("mean", torch.tensor(mean).view(-1, 1, 1), False)
            self.register_buffer("std", torch.tensor(std).view(-1, 1, 1), False)
        self._channel_conversion = bgr_to_rgb or rgb_to_bgr
        self.pad_size_divisor = pad_size_divisor
        self.pad_value = pad_value

    def forward(self, data: Any, training: bool = False) -> Any:
        data = self.cast_data(data)
        if not isinstance(data, dict):
            raise ModelTypeError(
                "ImgDataPreprocessor expects a batch dict with an 'inputs' key (what "
                "pseudo_collate/default_collate make of dict samples), but got a "
                f"{type(data).__name__}"
            )
        if "inputs" not in data:
            raise ModelKeyError(
                "ImgDataPreprocessor expects a batch dict with an 'inputs' key, but the batch "
                f"has keys {sorted(map(str, data))}"
            )
        inputs = data["inputs"]
        if isinstance(inputs, Sequence) and all(isinstance(t, torch.Tensor) for t in inputs):
            batch = stack_batch(
                [self._process_image(image) for image in inputs],
                self.pad_size_divisor,
                self.pad_value,
            )
        elif isinstance(inputs, torch.Tensor):
            batch = self._process_batch(inputs)
        else:
            raise ModelTypeError(
                "ImgDataPreprocessor: data['inputs'] must be a list of CHW tensors or an NCHW "
                f"tensor, but got {type(inputs).__name__}"
            )
        data["inputs"] = batch
        data.setdefault("data_samples", None)
        return data

    def _process_image(self, image: torch.Tensor) -> torch.Tensor:
        if self._channel_conversion:
            image = image[[2, 1, 0], ...]
        # flip first, then convert: indexing the (often uint8) original is cheaper
        image = image.float()
        if self._enable_normalize:
            if self.mean.shape[0] == 3 and (image.dim() != 3 or image.shape[0] != 3):
                raise ModelValueError(
                    "ImgDataPreprocessor: If the mean has 3 values, the input tensor should in "
                    "shape of (3, H, W): mean has 3 values, so each input must be a (3, H, W) "
                    f"tensor, but got shape {tuple(image.shape)}"
                )
            image = (image - self.mean) / self.std
        return image

    def _process_batch(self, batch: torch.Tensor) -> torch.Tensor:
        if batch.dim() != 4:
            raise ModelValueError(
                "ImgDataPreprocessor: a tensor data['inputs'] must be NCHW (4 dims), but got "
                f"shape {tuple(batch.shape)}; pass a list of CHW tensors for single images"
            )
        if self._channel_conversion:
            batch = batch[:, [2, 1, 0], ...]
        batch = batch.float()
        if self._enable_normalize:
            batch = (batch - self.mean) / self.std
        height, width = batch.shape[2:]
        divisor = self.pad_size_divisor
        pad_h = math.ceil(height / divisor) * divisor - height
        pad_w = math.ceil(width / divisor) * divisor - width
        return F.pad(batch, (0, pad_w, 0, pad_h), "constant", self.pad_value)
