"""``draw_featmap``: a (C, H, W) feature map as a jet heatmap image, as mmengine draws it.

One channel (the mean, or the channel with the largest sum), the map itself (1 or 3 channels),
or the ``topk`` channels with the largest sums tiled in a grid, each optionally blended onto an
image. Pixels equal mmengine's; only ``resize_shape`` with an ``overlaid_image`` may move image
pixels by one level (see :mod:`mmlight.visualization._cv_ops`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from mmlight.visualization import _cv_ops
from mmlight.visualization.errors import raise_unless
from mmlight.visualization.utils import (
    convert_overlay_heatmap,
    img_from_canvas,
    require_matplotlib,
)

__all__ = ["draw_featmap"]

_REDUCTIONS = ("squeeze_mean", "select_max")


def _interpolate(featmap: Any, size: tuple) -> Any:
    import torch.nn.functional as F

    return F.interpolate(featmap[None], tuple(size), mode="bilinear", align_corners=False)[0]


def _topk_grid(
    featmap: Any,
    overlaid_image: np.ndarray | None,
    topk: int,
    arrangement: tuple[int, int],
    alpha: float,
) -> np.ndarray:
    """The ``topk`` channels with the largest sums, one heatmap per cell, labelled."""
    import torch
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    row, col = arrangement
    channel, height, width = featmap.shape
    raise_unless(
        row * col >= topk,
        "The product of row and col in the `arrangement` is less than topk, please set the "
        "`arrangement` correctly",
    )
    topk = min(channel, topk)
    _, indices = torch.topk(torch.sum(featmap, dim=(1, 2)), topk)
    chosen = featmap[indices]
    fig = Figure(frameon=False)
    canvas = FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1, wspace=0, hspace=0)
    dpi = fig.get_dpi()
    fig.set_size_inches((width * col + 1e-2) / dpi, (height * row + 1e-2) / dpi)
    for i in range(topk):
        axes = fig.add_subplot(row, col, i + 1)
        axes.axis("off")
        # The label shows the index as a tensor prints ("tensor(3)"), as mmengine's does.
        axes.text(2, 15, f"channel: {indices[i]}", fontsize=10)
        axes.imshow(convert_overlay_heatmap(chosen[i], overlaid_image, alpha))
    return img_from_canvas(canvas)


def draw_featmap(
    featmap: Any,
    overlaid_image: np.ndarray | None = None,
    channel_reduction: str | None = "squeeze_mean",
    topk: int = 20,
    arrangement: tuple[int, int] = (4, 5),
    resize_shape: tuple | None = None,
    alpha: float = 0.5,
) -> np.ndarray:
    """An RGB image of ``featmap`` (a (C, H, W) torch tensor).

    Args:
        featmap: the feature map.
        overlaid_image: an RGB (or grey) uint8 image to blend the heatmap onto; the map is
            resized to it (bilinear) when their sizes differ and ``resize_shape`` is None.
        channel_reduction: ``'squeeze_mean'`` (mean over channels), ``'select_max'`` (the
            channel with the largest sum) or None (see ``topk``).
        topk: with no reduction, > 0 tiles the ``topk`` channels of largest sum in
            ``arrangement`` (rows, cols); <= 0 draws the map itself (1 or 3 channels).
        resize_shape: (H, W) to resize the map and the image to first.
        alpha: weight of the heatmap in the blend.
    """
    import torch

    raise_unless(
        isinstance(featmap, torch.Tensor),
        f"`featmap` should be torch.Tensor, but got {type(featmap)}",
    )
    raise_unless(featmap.ndim == 3, f"Input dimension must be 3, but got {featmap.ndim}")
    featmap = featmap.detach().cpu()

    if overlaid_image is not None:
        if overlaid_image.ndim == 2:
            overlaid_image = _cv_ops.gray_to_rgb(overlaid_image)
        if overlaid_image.shape[:2] != featmap.shape[1:]:
            warnings.warn(
                f"Since the spatial dimensions of overlaid_image: {overlaid_image.shape[:2]} "
                f"and featmap: {featmap.shape[1:]} are not same, the feature map will be "
                "interpolated. This may cause mismatch problems !",
                stacklevel=2,
            )
            if resize_shape is None:
                featmap = _interpolate(featmap, overlaid_image.shape[:2])
    if resize_shape is not None:
        featmap = _interpolate(featmap, resize_shape)
        if overlaid_image is not None:
            overlaid_image = _cv_ops.resize_bilinear(overlaid_image, tuple(resize_shape[::-1]))

    if channel_reduction is not None:
        raise_unless(
            channel_reduction in _REDUCTIONS,
            f'Mode only support "squeeze_mean", "select_max", but got {channel_reduction}',
        )
        if channel_reduction == "select_max":
            _, indices = torch.topk(torch.sum(featmap, dim=(1, 2)), 1)
            single = featmap[indices]
        else:
            single = torch.mean(featmap, dim=0)
        return convert_overlay_heatmap(single, overlaid_image, alpha)
    if topk <= 0:
        channels = featmap.shape[0]
        raise_unless(
            channels in [1, 3],
            "The input tensor channel dimension must be 1 or 3 when topk is less than 1, but "
            f"the channel dimension you input is {channels}, you can use the "
            "channel_reduction parameter or set topk greater than 0 to solve the error",
        )
        return convert_overlay_heatmap(featmap, overlaid_image, alpha)
    require_matplotlib("draw_featmap with topk > 0")
    return _topk_grid(featmap, overlaid_image, topk, arrangement, alpha)
