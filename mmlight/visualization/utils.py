"""Helpers of the visualizer with mmengine's names (``mmengine.visualization.utils``).

Argument checks (``check_type``, ``check_length``, ``check_type_and_length``, ``value2list``),
colour conversion (``color_val_matplotlib``, ``color_str2rgb``), heatmaps
(``convert_overlay_heatmap``), canvases (``img_from_canvas``) and the interactive wait of
``Visualizer.show`` (``wait_continue``). Messages and results are mmengine's; nothing here needs
OpenCV (its operations are reproduced in numpy) and matplotlib is imported only where used.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from mmlight.visualization import _cv_ops
from mmlight.visualization.errors import MissingVisBackendPackageError

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

__all__ = [
    "check_length",
    "check_type",
    "check_type_and_length",
    "color_str2rgb",
    "color_val_matplotlib",
    "convert_overlay_heatmap",
    "img_from_canvas",
    "require_matplotlib",
    "tensor2ndarray",
    "value2list",
    "wait_continue",
]

ColorType = str | tuple | list
TypeSpec = type | tuple[type, ...]


def require_matplotlib(what: str = "Visualizer drawing") -> Any:
    """The ``matplotlib`` module, or an ImportError that says how to install it."""
    try:
        import matplotlib
    except ImportError as err:
        raise MissingVisBackendPackageError(
            f'{what} needs matplotlib, which is not installed; run "pip install matplotlib"',
            name="matplotlib",
        ) from err
    return matplotlib


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")  # a tensor can only exist once torch is imported
    return torch is not None and isinstance(value, torch.Tensor)


def tensor2ndarray(value: Any) -> Any:
    """A torch tensor as a numpy array (detached, on the CPU); anything else unchanged."""
    if _is_tensor(value):
        return value.detach().cpu().numpy()
    return value


def value2list(value: Any, valid_type: TypeSpec, expand_dim: int) -> Any:
    """One value of ``valid_type`` repeated ``expand_dim`` times; other values unchanged."""
    if isinstance(value, valid_type):
        return [value] * expand_dim
    return value


def check_type(name: str, value: Any, valid_type: TypeSpec) -> None:
    """TypeError (mmengine's wording) unless ``value`` is an instance of ``valid_type``."""
    if not isinstance(value, valid_type):
        raise TypeError(f"`{name}` should be {valid_type}  but got {type(value)}")


def check_length(name: str, value: Any, valid_length: int) -> None:
    """AssertionError when ``value`` is a list shorter than ``valid_length``."""
    if isinstance(value, list) and len(value) < valid_length:
        raise AssertionError(
            f"The length of {name} must equal with or greater than {valid_length}, "
            f"but got {len(value)}"
        )


def check_type_and_length(
    name: str, value: Any, valid_type: TypeSpec, valid_length: int
) -> None:
    """:func:`check_type`, then :func:`check_length`."""
    check_type(name, value, valid_type)
    check_length(name, value, valid_length)


def color_val_matplotlib(colors: ColorType) -> ColorType:
    """0-255 RGB tuples become matplotlib's 0-1 tuples; names stay; lists are converted each.

    A tuple must have three channels within 0..255 (AssertionError otherwise, as mmengine).
    """
    if isinstance(colors, str):
        return colors
    if isinstance(colors, tuple):
        assert len(colors) == 3
        for channel in colors:
            assert 0 <= channel <= 255
        return tuple(channel / 255 for channel in colors)
    if isinstance(colors, list):
        return [color_val_matplotlib(color) for color in colors]
    raise TypeError(f"Invalid type for color: {type(colors)}")


def color_str2rgb(color: str) -> tuple:
    """A matplotlib colour name or hex string as 0-255 RGB ints (truncated; alpha dropped)."""
    require_matplotlib("color_str2rgb")
    from matplotlib.colors import to_rgb

    return tuple(int(channel * 255) for channel in to_rgb(color))


def convert_overlay_heatmap(feat_map: Any, img: Any = None, alpha: float = 0.5) -> np.ndarray:
    """A (H, W) or (1|3, H, W) map as an RGB jet heatmap, blended onto ``img`` when given.

    The map is min-max stretched to 0..255 and truncated to uint8 first; the blend is
    ``img * (1 - alpha) + heatmap * alpha``. Results equal mmengine's (OpenCV) to the bit.
    """
    assert feat_map.ndim == 2 or (feat_map.ndim == 3 and feat_map.shape[0] in [1, 3])
    feat_map = tensor2ndarray(feat_map)
    if feat_map.ndim == 3:
        feat_map = feat_map.transpose(1, 2, 0)
    heat_levels = np.asarray(_cv_ops.normalize_minmax(feat_map, 0, 255), dtype=np.uint8)
    heat_img = _cv_ops.apply_jet_colormap(heat_levels)
    if img is not None:
        heat_img = _cv_ops.add_weighted(img, 1 - alpha, heat_img, alpha, 0)
    return heat_img


def _has_event_loop(figure: Figure) -> bool:
    """Whether the figure's canvas runs a GUI event loop (Agg and other file canvases do not).

    Without one, matplotlib's fallback ``start_event_loop`` only sleeps, and with no timeout
    it would sleep forever, since no key or close event can ever arrive.
    """
    from matplotlib.backend_bases import FigureCanvasBase

    return type(figure.canvas).start_event_loop is not FigureCanvasBase.start_event_loop


def wait_continue(figure: Any, timeout: float = 0, continue_key: str = " ") -> int:
    """Show ``figure`` and wait for ``continue_key`` or the window to close.

    Returns 0 when the user pressed ``continue_key`` or ``timeout`` (seconds, > 0) ran out,
    1 when the window was closed. Inline (notebook) backends and canvases without an event
    loop (Agg: no display) return 0 at once; mmengine would wait forever there when
    ``timeout`` is 0.
    """
    require_matplotlib("wait_continue")
    import matplotlib.pyplot as plt
    from matplotlib.backend_bases import CloseEvent

    if "inline" in plt.get_backend():
        return 0
    if not _has_event_loop(figure):
        return 0
    if figure.canvas.manager:
        figure.show()
    while True:
        event: Any = None

        def handler(ev: Any) -> None:
            nonlocal event
            # Qt can fire a key and a close event together; the close must win.
            if not isinstance(event, CloseEvent):
                event = ev
            figure.canvas.stop_event_loop()

        cids = [
            figure.canvas.mpl_connect(name, handler) for name in ("key_press_event", "close_event")
        ]
        try:
            figure.canvas.start_event_loop(timeout)
        finally:  # also on Ctrl-C
            for cid in cids:
                figure.canvas.mpl_disconnect(cid)
        if isinstance(event, CloseEvent):
            return 1
        if event is None or event.key == continue_key:
            return 0


def img_from_canvas(canvas: FigureCanvasAgg) -> np.ndarray:
    """The RGB uint8 pixels of an Agg canvas (rendered now; alpha dropped)."""
    buffer, (width, height) = canvas.print_to_buffer()
    rgba = np.frombuffer(buffer, dtype="uint8").reshape(height, width, 4)
    return rgba[..., :3].astype("uint8")
