"""Drawing on an image with matplotlib (optional: imported on first use, with an install hint).

``set_image`` puts an RGB image on an off-screen canvas the size of the image; ``draw_*`` add
marks on it; ``get_image`` renders the canvas back to an RGB ``uint8`` array. Without
matplotlib, ``set_image``/``get_image`` still work (the image is returned unchanged) and only
the ``draw_*`` methods need the package.

Available: ``draw_points``, ``draw_texts``, ``draw_lines``, ``draw_bboxes``.
"""

from __future__ import annotations

import warnings
from typing import Any

from mmlight.dist import master_only
from mmlight.visualization.errors import (
    MissingVisBackendPackageError,
    VisualizationArgumentError,
    VisualizationTypeError,
)

__all__ = ["DrawingMixin"]

_INSTALL_HINT = 'run "pip install matplotlib"'


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError as err:
        raise MissingVisBackendPackageError(
            f"Visualizer drawing needs matplotlib, which is not installed; {_INSTALL_HINT}",
            name="matplotlib",
        ) from err
    return matplotlib


def _as_array(name: str, value: Any) -> Any:
    import numpy as np

    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        raise VisualizationTypeError(
            f"{name} must be a numpy array or a torch tensor, but got {type(value).__name__}"
        )
    return value


def _mpl_color(color: Any) -> Any:
    """mmengine colours: a name ('g', 'red') or an RGB tuple of 0-255 ints -> matplotlib."""
    if isinstance(color, tuple) and color and all(isinstance(c, int) for c in color):
        return tuple(c / 255 for c in color)
    return color


def _per_item(name: str, value: Any, count: int, single: tuple[type, ...]) -> list[Any]:
    """One value for all items, or a list with one value per item."""
    if isinstance(value, list):
        if len(value) != count:
            raise VisualizationArgumentError(
                f"{name} has {len(value)} values but there are {count} items to draw"
            )
        return list(value)
    if not isinstance(value, single):
        raise VisualizationTypeError(
            f"{name} must be one of {[t.__name__ for t in single]} or a list, "
            f"but got {type(value).__name__}"
        )
    return [value] * count


class DrawingMixin:
    """The image canvas and ``draw_*`` methods of :class:`Visualizer`."""

    def __init__(self, fig_save_cfg: dict, fig_show_cfg: dict) -> None:
        self.fig_save_cfg = fig_save_cfg
        self.fig_show_cfg = fig_show_cfg
        self.fig_save: Any = None
        self.fig_save_canvas: Any = None
        self.ax_save: Any = None
        self._image: Any = None
        self._canvas_has_image = False
        self.width = 0
        self.height = 0

    def _ensure_canvas(self) -> None:
        if self.fig_save is not None:
            return
        _matplotlib()
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(**self.fig_save_cfg)
        ax = fig.add_subplot()
        ax.axis(False)
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)  # no white margins
        self.fig_save, self.ax_save = fig, ax
        self.fig_save_canvas = FigureCanvasAgg(fig)

    @property
    def dpi(self) -> float:
        self._ensure_canvas()
        return float(self.fig_save.get_dpi())

    def _put_image_on_canvas(self) -> None:
        self._ensure_canvas()
        if self._canvas_has_image:
            return
        # A hundredth of a pixel extra keeps matplotlib from truncating the last row/column.
        self.fig_save.set_size_inches(
            (self.width + 1e-2) / self.dpi, (self.height + 1e-2) / self.dpi
        )
        self.ax_save.cla()
        self.ax_save.axis(False)
        self.ax_save.imshow(
            self._image, extent=(0, self.width, self.height, 0), interpolation="none"
        )
        self._canvas_has_image = True

    @master_only
    def set_image(self, image: Any) -> None:
        """Start drawing on ``image`` (an RGB array; converted to uint8)."""
        if image is None:
            raise VisualizationArgumentError("set_image needs an image, but got None")
        image = _as_array("image", image).astype("uint8")
        self._image = image
        self.height, self.width = image.shape[0], image.shape[1]
        self._default_font_size = max(int((self.height * self.width) ** 0.5) // 90, 10)
        self._canvas_has_image = False

    @master_only
    def get_image(self) -> Any:
        """The image with everything drawn so far, as an RGB uint8 array."""
        import numpy as np

        if self._image is None:
            raise VisualizationArgumentError("no image to get: call set_image(image) first")
        if not self._canvas_has_image:
            return self._image.copy()
        buffer, (width, height) = self.fig_save_canvas.print_to_buffer()
        rgba = np.frombuffer(buffer, dtype=np.uint8).reshape(height, width, 4)
        return rgba[..., :3].copy()

    def _start_drawing(self, what: str) -> Any:
        if self._image is None:
            raise VisualizationArgumentError(f"{what}: call set_image(image) before drawing")
        self._put_image_on_canvas()
        return self.ax_save

    def _warn_outside(self, points: Any, what: str) -> None:
        xs, ys = points[..., 0], points[..., 1]
        if (
            (xs < 0).any()
            or (xs >= self.width).any()
            or (ys < 0).any()
            or (ys >= self.height).any()
        ):
            warnings.warn(
                f"{what}: some coordinates are outside the {self.width}x{self.height} image; "
                "they may not be visible",
                UserWarning,
                stacklevel=3,
            )

    @master_only
    def draw_points(
        self,
        positions: Any,
        colors: Any = "g",
        marker: str | None = None,
        sizes: Any = None,
    ) -> Any:
        """Scatter points at ``positions`` (N, 2) in pixel (x, y)."""
        ax = self._start_drawing("draw_points")
        positions = _as_array("positions", positions).reshape(-1, 2)
        colors = [_mpl_color(c) for c in colors] if isinstance(colors, list) else _mpl_color(colors)
        ax.scatter(positions[:, 0], positions[:, 1], c=colors, s=sizes, marker=marker)
        return self

    @master_only
    def draw_texts(
        self,
        texts: str | list[str],
        positions: Any,
        font_sizes: int | float | list | None = None,
        colors: Any = "g",
        vertical_alignments: str | list[str] = "top",
        horizontal_alignments: str | list[str] = "left",
        font_families: str | list[str] = "sans-serif",
        bboxes: dict | list[dict] | None = None,
        font_properties: Any = None,
    ) -> Any:
        """Write ``texts`` with their top-left corner (by default) at ``positions`` (N, 2)."""
        ax = self._start_drawing("draw_texts")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list):
            raise VisualizationTypeError(
                f"texts must be a str or a list of str, but got {type(texts).__name__}"
            )
        count = len(texts)
        positions = _as_array("positions", positions).reshape(-1, 2)
        if positions.shape[0] != count:
            raise VisualizationArgumentError(
                f"positions has {positions.shape[0]} points but there are {count} texts"
            )
        self._warn_outside(positions, "draw_texts")
        if font_sizes is None:
            font_sizes = self._default_font_size
        sizes = _per_item("font_sizes", font_sizes, count, (int, float))
        cols = [_mpl_color(c) for c in _per_item("colors", colors, count, (str, tuple))]
        valign = _per_item("vertical_alignments", vertical_alignments, count, (str,))
        halign = _per_item("horizontal_alignments", horizontal_alignments, count, (str,))
        families = _per_item("font_families", font_families, count, (str,))
        boxes = [None] * count if bboxes is None else _per_item("bboxes", bboxes, count, (dict,))
        props = (
            [None] * count
            if font_properties is None
            else _per_item("font_properties", font_properties, count, (object,))
        )
        for i, text in enumerate(texts):
            ax.text(
                float(positions[i][0]),
                float(positions[i][1]),
                text,
                size=sizes[i],
                bbox=boxes[i],
                verticalalignment=valign[i],
                horizontalalignment=halign[i],
                family=families[i],
                fontproperties=props[i],
                color=cols[i],
            )
        return self

    @master_only
    def draw_lines(
        self,
        x_datas: Any,
        y_datas: Any,
        colors: Any = "g",
        line_styles: str | list[str] = "-",
        line_widths: int | float | list = 2,
    ) -> Any:
        """Draw segments; row i of ``x_datas``/``y_datas`` (N, 2) holds segment i's ends."""
        import numpy as np
        from matplotlib.collections import LineCollection

        ax = self._start_drawing("draw_lines")
        xs = _as_array("x_datas", x_datas).reshape(-1, 2)
        ys = _as_array("y_datas", y_datas).reshape(-1, 2)
        if xs.shape != ys.shape:
            raise VisualizationArgumentError(
                f"x_datas and y_datas must have the same shape, but got {xs.shape} and {ys.shape}"
            )
        lines = np.stack([xs, ys], axis=-1)  # (N, 2 ends, (x, y))
        self._warn_outside(lines, "draw_lines")
        count = len(lines)
        cols = [_mpl_color(c) for c in _per_item("colors", colors, count, (str, tuple))]
        ax.add_collection(
            LineCollection(
                list(lines),
                colors=cols,
                linestyles=_per_item("line_styles", line_styles, count, (str,)),
                linewidths=_per_item("line_widths", line_widths, count, (int, float)),
            )
        )
        return self

    @master_only
    def draw_bboxes(
        self,
        bboxes: Any,
        edge_colors: Any = "g",
        line_styles: str | list[str] = "-",
        line_widths: int | float | list = 2,
        face_colors: Any = "none",
        alpha: int | float = 0.8,
    ) -> Any:
        """Draw boxes given as (N, 4) ``x1, y1, x2, y2`` pixel coordinates."""
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Rectangle

        ax = self._start_drawing("draw_bboxes")
        boxes = _as_array("bboxes", bboxes).reshape(-1, 4)
        if ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])).any():
            raise VisualizationArgumentError(
                "draw_bboxes: every box must be (x1, y1, x2, y2) with x2 >= x1 and y2 >= y1"
            )
        self._warn_outside(boxes.reshape(-1, 2), "draw_bboxes")
        count = len(boxes)
        patches = [
            Rectangle((float(x1), float(y1)), float(x2 - x1), float(y2 - y1))
            for x1, y1, x2, y2 in boxes
        ]
        edges = [_mpl_color(c) for c in _per_item("edge_colors", edge_colors, count, (str, tuple))]
        faces = [_mpl_color(c) for c in _per_item("face_colors", face_colors, count, (str, tuple))]
        ax.add_collection(
            PatchCollection(
                patches,
                alpha=alpha,
                facecolors=faces,
                edgecolors=edges,
                linestyles=_per_item("line_styles", line_styles, count, (str,)),
                linewidths=_per_item("line_widths", line_widths, count, (int, float)),
            )
        )
        return self
