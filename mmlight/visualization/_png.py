"""A dependency-free PNG writer for ``uint8`` images.

mmengine writes images with OpenCV; mmlight must not require it, and PNG needs nothing but
zlib: one IHDR chunk, the filtered rows compressed into IDAT, and IEND.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

__all__ = ["encode_png", "write_png"]

# channels -> PNG colour type (grey, grey+alpha, RGB, RGBA)
_COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def encode_png(image: Any) -> bytes:
    """PNG bytes of an ``(H, W)``, ``(H, W, 1|2|3|4)`` uint8 array (channels in RGB order)."""
    import numpy as np

    array = np.ascontiguousarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in _COLOUR_TYPES:
        raise ValueError(
            "an image must have shape (H, W) or (H, W, C) with C in 1..4, but got shape "
            f"{tuple(np.shape(image))}"
        )
    height, width, channels = array.shape
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[channels], 0, 0, 0)
    # Filter type 0 (none) before every row.
    rows = np.concatenate(
        [np.zeros((height, 1), dtype=np.uint8), array.reshape(height, width * channels)], axis=1
    )
    body = zlib.compress(rows.tobytes(), 6)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def write_png(path: str, image: Any) -> None:
    with open(path, "wb") as f:
        f.write(encode_png(image))
