"""The few OpenCV image operations mmengine's visualizer uses, in numpy (OpenCV stays optional).

Each function reproduces OpenCV's arithmetic (float32 where OpenCV computes in float32, fused
multiply-adds, its rounding) so heatmaps and mask overlays of float32 feature maps come out
bit-identical to mmengine's. Two exceptions: float64 min-max stretching can be one ulp off, and
:func:`resize_bilinear` follows OpenCV's scalar fixed-point path while OpenCV's vectorised loop
rounds its intermediate sums differently, so resized pixels may differ by one level.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "add_weighted",
    "apply_jet_colormap",
    "bgr_to_gray",
    "gray_to_rgb",
    "jet_lut",
    "normalize_minmax",
    "resize_bilinear",
]


@functools.lru_cache(maxsize=1)
def jet_lut() -> np.ndarray:
    """OpenCV's ``COLORMAP_JET`` as a (256, 3) uint8 table in RGB order.

    OpenCV samples GNU Octave's ``jet(256)`` (piecewise linear, computed in double and stored as
    float32), re-interpolates it at its own float32 ``linspace`` (which does not give back the
    samples exactly) and scales by 255 with round-half-even. Doing the same steps gives its
    table exactly.
    """
    x = np.linspace(0.0, 1.0, 256)
    red = (
        ((x >= 3 / 8) & (x < 5 / 8)) * (4 * x - 3 / 2)
        + ((x >= 5 / 8) & (x < 7 / 8))
        + (x >= 7 / 8) * (-4 * x + 9 / 2)
    )
    green = (
        ((x >= 1 / 8) & (x < 3 / 8)) * (4 * x - 1 / 2)
        + ((x >= 3 / 8) & (x < 5 / 8))
        + ((x >= 5 / 8) & (x < 7 / 8)) * (-4 * x + 7 / 2)
    )
    blue = (
        (x < 1 / 8) * (4 * x + 1 / 2)
        + ((x >= 1 / 8) & (x < 3 / 8))
        + ((x >= 3 / 8) & (x < 5 / 8)) * (-4 * x + 5 / 2)
    )
    samples = np.stack([red, green, blue], axis=-1).astype(np.float32)
    f32 = np.float32
    step = f32(1) / f32(255)
    grid = (np.arange(256, dtype=np.float32) * step)[:, None]
    # Linear interpolation between neighbours, in float32, as OpenCV's interp1 does.
    dx = grid[1:] - grid[:-1]
    values = samples.copy()
    values[1:] = samples[:-1] + dx * (samples[1:] - samples[:-1]) / dx
    scaled = (values.astype(np.float64) * 255).astype(np.float32)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def bgr_to_gray(image: np.ndarray) -> np.ndarray:
    """OpenCV's fixed-point ``COLOR_BGR2GRAY`` of a uint8 (H, W, 3) image (channel 0 is blue)."""
    pixels = image.astype(np.int32)
    gray = pixels[..., 0] * 3735 + pixels[..., 1] * 19235 + pixels[..., 2] * 9798
    return ((gray + (1 << 14)) >> 15).astype(np.uint8)


def gray_to_rgb(image: np.ndarray) -> np.ndarray:
    """A single-channel image repeated into three channels."""
    return np.repeat(image[..., None], 3, axis=-1)


def apply_jet_colormap(image: np.ndarray) -> np.ndarray:
    """Colour a uint8 image with the jet table; RGB out (``applyColorMap`` + BGR->RGB).

    A three-channel input is first reduced to grey as OpenCV does, reading it as BGR.
    """
    if image.dtype != np.uint8:
        raise TypeError(f"the colormap needs a uint8 image, but got {image.dtype}")
    if image.ndim == 3 and image.shape[-1] == 3:
        image = bgr_to_gray(image)
    elif image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    elif image.ndim != 2:
        raise ValueError(
            "the colormap needs an (H, W), (H, W, 1) or (H, W, 3) image, but got shape "
            f"{image.shape}"
        )
    return jet_lut()[image]


def normalize_minmax(values: np.ndarray, low: float = 0.0, high: float = 255.0) -> np.ndarray:
    """Stretch ``values`` linearly to ``[low, high]``, keeping their dtype (``NORM_MINMAX``).

    float32 input is scaled exactly as OpenCV does; float64 input to within an ulp; integer
    input is rounded back to its dtype. A constant input maps to ``low``.
    """
    array = np.asarray(values)
    smin, smax = float(array.min()), float(array.max())
    dmin, dmax = min(low, high), max(low, high)
    scale = (dmax - dmin) * (1.0 / (smax - smin) if smax - smin > np.finfo(float).eps else 0.0)
    if array.dtype == np.float32:
        # OpenCV rounds scale and shift to float32 and applies them with one fused
        # multiply-add; float64 holds the float32 product exactly, so this rounds as it does.
        scale32 = np.float32(scale)
        shift32 = np.float32(dmin) - np.float32(smin * float(scale32))
        fused = array.astype(np.float64) * float(scale32) + float(shift32)
        return fused.astype(np.float32)
    shift = dmin - smin * scale
    # OpenCV fuses the multiply-add in double too; long double comes closest to that here
    # (rarely one ulp off, which can move a truncated uint8 heat value by one level).
    wide = array.astype(np.longdouble) * np.longdouble(scale) + np.longdouble(shift)
    result = wide.astype(np.float64)
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        return np.clip(np.rint(result), info.min, info.max).astype(array.dtype)
    return result.astype(array.dtype, copy=False)


def add_weighted(
    first: np.ndarray, alpha: float, second: np.ndarray, beta: float, gamma: float = 0.0
) -> np.ndarray:
    """``first * alpha + second * beta + gamma`` as OpenCV's ``addWeighted`` (uint8 in/out).

    OpenCV blends uint8 images in float32 and rounds half to even, saturating to 0..255.
    """
    if first.shape != second.shape:
        raise ValueError(
            "add_weighted needs two images of one shape, but got "
            f"{first.shape} and {second.shape}"
        )
    if first.dtype != second.dtype:
        raise TypeError(
            f"add_weighted needs two images of one dtype, but got {first.dtype} and "
            f"{second.dtype}"
        )
    f32 = np.float32
    if first.dtype == np.uint8:
        # Two fused multiply-adds in float32: second * beta + gamma, then first * alpha + that.
        inner = (second.astype(np.float64) * float(f32(beta)) + float(f32(gamma))).astype(f32)
        blended = (first.astype(np.float64) * float(f32(alpha)) + inner).astype(f32)
        return np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    blended64 = first.astype(np.float64) * alpha + second.astype(np.float64) * beta + gamma
    if np.issubdtype(first.dtype, np.integer):
        info = np.iinfo(first.dtype)
        return np.clip(np.rint(blended64), info.min, info.max).astype(first.dtype)
    return blended64.astype(first.dtype)


_COEF_BITS = 11
_COEF_SCALE = 1 << _COEF_BITS


def _linear_taps(src_size: int, dst_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output index: the left source index and the fixed-point weights of both taps."""
    scale = src_size / dst_size
    pos = ((np.arange(dst_size) + 0.5) * scale - 0.5).astype(np.float32)
    left = np.floor(pos).astype(np.int64)
    frac = pos - left.astype(np.float32)
    before = left < 0
    frac[before], left[before] = 0, 0
    after = left >= src_size - 1
    frac[after], left[after] = 0, src_size - 1
    w0 = np.clip(np.rint((np.float32(1) - frac) * _COEF_SCALE), -32768, 32767).astype(np.int64)
    return left, np.stack([w0, _COEF_SCALE - w0], axis=-1)


def resize_bilinear(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a uint8 image to ``size = (width, height)`` as ``cv2.resize`` (INTER_LINEAR).

    Half-pixel centres, edge clamping and 11-bit fixed-point weights as OpenCV; within one
    level of OpenCV's result (see the module docstring).
    """
    if image.dtype != np.uint8:
        raise TypeError(f"resize_bilinear needs a uint8 image, but got {image.dtype}")
    width, height = int(size[0]), int(size[1])
    src_h, src_w = image.shape[:2]
    xs, xw = _linear_taps(src_w, width)
    ys, yw = _linear_taps(src_h, height)
    pixels = image.astype(np.int64)
    xs1 = np.minimum(xs + 1, src_w - 1)
    ys1 = np.minimum(ys + 1, src_h - 1)
    extra = (1,) * (image.ndim - 2)
    rows = (
        pixels[:, xs] * xw[:, 0].reshape(-1, *extra)
        + pixels[:, xs1] * xw[:, 1].reshape(-1, *extra)
    )
    out = rows[ys] * yw[:, 0].reshape(-1, 1, *extra) + rows[ys1] * yw[:, 1].reshape(
        -1, 1, *extra
    )
    out = (out + (1 << (2 * _COEF_BITS - 1))) >> (2 * _COEF_BITS)
    return np.clip(out, 0, 255).astype(np.uint8)

