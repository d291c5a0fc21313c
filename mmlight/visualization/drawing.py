"""Drawing on an image with matplotlib (optional: imported on first use, with an install hint).

``set_image`` puts an RGB image on an off-screen canvas the size of the image; ``draw_*`` add
marks on it; ``get_image`` renders the canvas back to an RGB ``uint8`` array; ``show`` opens it
in a matplotlib window. Without matplotlib, ``set_image``/``get_image`` still work (the image is
returned unchanged) and only drawing and showing need the package.

Available: ``draw_points``, ``draw_texts``, ``draw_lines``, ``draw_bboxes``, ``draw_circles``,
``draw_polygons``, ``draw_binary_masks`` and the static ``draw_featmap``; the drawn pixels are
mmengine's.
"""

from __future__ import annotations

import warnings
from typing import Any

from mmlight.dist import master_only
from mmlight.visualization import _cv_ops
from mmlight.visualization.errors import (
    MissingVisBackendPackageError,
    VisualizationArgumentError,
    VisualizationAssertionError,
    raise_unless,
)
from mmlight.visualization.featmap import draw_featmap
from mmlight.visualization.utils import (
    check_type,
    check_type_and_length,
    color_str2rgb,
    color_val_matplotlib,
    require_matplotlib,
    tensor2ndarray,
    value2list,
    wait_continue,
)

__all__ = ["DrawingMixin"]


def _matplotlib() -> Any:
    return require_matplotlib("Visualizer drawing")


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
        if self.fig_save is None:
            self.fig_save_canvas, self.fig_save, self.ax_save = self._initialize_fig(
                self.fig_save_cfg
            )

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
            raise VisualizationAssertionError("set_image needs an image, but got None")
        image = tensor2ndarray(image).astype("uint8")
        self._image = image
        self.height, self.width = image.shape[0], image.shape[1]
        self._default_font_size = max(int((self.height * self.width) ** 0.5) // 90, 10)
        self._canvas_has_image = False

    @master_only
    def get_image(self) -> Any:
        """The image with everything drawn so far, as an RGB uint8 array."""
        import numpy as np

        if self._image is None:
            raise VisualizationAssertionError("no image to get: Please set image using `set_image`")
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

    def _warn_out_of_bounds(self, position: Any, what: str) -> None:
        if not self._is_posion_valid(position):
            warnings.warn(
                f"Warning: The {what} is out of bounds, the drawn {what} may not be in the image",
                UserWarning,
                stacklevel=4,
            )

    @master_only
    def draw_points(
        self,
        positions: Any,
        colors: Any = "g",
        marker: str | None = None,
        sizes: Any = None,
    ) -> Any:
        """Scatter points at ``positions`` ((2,) or (N, 2) pixel x, y)."""
        ax = self._start_drawing("draw_points")
        check_type("positions", positions, _array_types())
        positions = tensor2ndarray(positions)
        if positions.ndim == 1:
            positions = positions[None]
        raise_unless(
            positions.shape[-1] == 2,
            f"The shape of `positions` should be (N, 2), but got {positions.shape}",
        )
        colors = color_val_matplotlib(colors)
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
        """Write ``texts`` with their top-left corner (by default) at ``positions`` (N, 2).

        Every styling argument is one value for all texts or a list with one per text.
        """
        ax = self._start_drawing("draw_texts")
        from matplotlib.font_manager import FontProperties

        check_type("texts", texts, (str, list))
        if isinstance(texts, str):
            texts = [texts]
        count = len(texts)
        check_type("positions", positions, _array_types())
        positions = tensor2ndarray(positions)
        if positions.ndim == 1:
            positions = positions[None]
        raise_unless(
            positions.shape == (count, 2),
            f"`positions` should have the shape of ({count}, 2), but got {positions.shape}",
        )
        self._warn_out_of_bounds(positions, "text")
        points = positions.tolist()
        if font_sizes is None:
            font_sizes = self._default_font_size
        check_type_and_length("font_sizes", font_sizes, (int, float, list), count)
        sizes = value2list(font_sizes, (int, float), count)
        check_type_and_length("colors", colors, (str, tuple, list), count)
        cols = color_val_matplotlib(value2list(colors, (str, tuple), count))
        styles = {}
        for name, value in (
            ("vertical_alignments", vertical_alignments),
            ("horizontal_alignments", horizontal_alignments),
            ("font_families", font_families),
        ):
            check_type_and_length(name, value, (str, list), count)
            styles[name] = value2list(value, str, count)
        if font_properties is None:
            props = [None] * count
        else:
            check_type_and_length("font_properties", font_properties, (FontProperties, list), count)
            props = value2list(font_properties, FontProperties, count)
        if bboxes is None:
            boxes = [None] * count
        else:
            check_type_and_length("bboxes", bboxes, (dict, list), count)
            boxes = value2list(bboxes, dict, count)
        for i in range(count):
            ax.text(
                points[i][0],
                points[i][1],
                texts[i],
                size=sizes[i],
                bbox=boxes[i],
                verticalalignment=styles["vertical_alignments"][i],
                horizontalalignment=styles["horizontal_alignments"][i],
                family=styles["font_families"][i],
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
        """Draw segments; row i of ``x_datas``/``y_datas`` ((2,) or (N, 2)) holds segment i's ends.

        ``colors``, ``line_styles`` and ``line_widths`` go to matplotlib's ``LineCollection``
        as given (a list shorter than the segments cycles).
        """
        import numpy as np
        from matplotlib.collections import LineCollection

        ax = self._start_drawing("draw_lines")
        check_type("x_datas", x_datas, _array_types())
        xs = tensor2ndarray(x_datas)
        check_type("y_datas", y_datas, _array_types())
        ys = tensor2ndarray(y_datas)
        raise_unless(xs.shape == ys.shape, "`x_datas` and `y_datas` should have the same shape")
        raise_unless(
            xs.shape[-1] == 2, f"The shape of `x_datas` should be (N, 2), but got {xs.shape}"
        )
        if xs.ndim == 1:
            xs, ys = xs[None], ys[None]
        lines = np.concatenate((xs.reshape(-1, 2, 1), ys.reshape(-1, 2, 1)), axis=-1)
        self._warn_out_of_bounds(lines, "line")
        ax.add_collection(
            LineCollection(
                lines.tolist(),
                colors=color_val_matplotlib(colors),
                linestyles=line_styles,
                linewidths=line_widths,
            )
        )
        return self

    def _is_posion_valid(self, position: Any) -> bool:
        """Whether every (x, y) in ``position`` (last dim 2) lies inside the image."""
        xs, ys = position[..., 0], position[..., 1]
        return bool(
            (xs < self.width).all()
            and (xs >= 0).all()
            and (ys < self.height).all()
            and (ys >= 0).all()
        )

    def _clamped_line_widths(self, line_widths: Any, count: int) -> list:
        """mmengine keeps outline widths between 1 and a quarter of the default font size."""
        if isinstance(line_widths, (int, float)):
            line_widths = [line_widths] * count
        return [min(max(width, 1), self._default_font_size / 4) for width in line_widths]

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
        """Draw boxes given as (N, 4) ``x1, y1, x2, y2`` pixel coordinates.

        Drawn as four-corner polygons (:meth:`draw_polygons`), as mmengine does, so outline
        widths are kept between 1 and a quarter of the default font size.
        """
        import numpy as np

        self._start_drawing("draw_bboxes")
        check_type("bboxes", bboxes, _array_types())
        boxes = tensor2ndarray(bboxes)
        if boxes.ndim == 1:
            boxes = boxes[None]
        raise_unless(
            boxes.shape[-1] == 4, f"The shape of `bboxes` should be (N, 4), but got {boxes.shape}"
        )
        raise_unless(
            bool((boxes[:, 0] <= boxes[:, 2]).all() and (boxes[:, 1] <= boxes[:, 3]).all()),
            "draw_bboxes: every box must be (x1, y1, x2, y2) with x2 >= x1 and y2 >= y1",
        )
        self._warn_out_of_bounds(boxes.reshape((-1, 2, 2)), "bbox")
        x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
        corners = np.stack((x1, y1, x2, y1, x2, y2, x1, y2), axis=-1).reshape(-1, 4, 2)
        return self.draw_polygons(
            list(corners),
            edge_colors=edge_colors,
            line_styles=line_styles,
            line_widths=line_widths,
            face_colors=face_colors,
            alpha=alpha,
        )

    @master_only
    def draw_polygons(
        self,
        polygons: Any,
        edge_colors: Any = "g",
        line_styles: str | list[str] = "-",
        line_widths: int | float | list = 2,
        face_colors: Any = "none",
        alpha: int | float = 0.8,
    ) -> Any:
        """Draw closed polygons: one (M, 2) array of (x, y) vertices, or a list of them."""
        from matplotlib.collections import PolyCollection

        ax = self._start_drawing("draw_polygons")
        check_type("polygons", polygons, (list, *_array_types()))
        edge_colors = color_val_matplotlib(edge_colors)
        face_colors = color_val_matplotlib(face_colors)
        if not isinstance(polygons, list):
            polygons = [polygons]
        for polygon in polygons:
            raise_unless(
                polygon.shape[1] == 2,
                "The shape of each polygon in `polygons` should be (M, 2), "
                f"but got {polygon.shape}",
            )
        polygons = [tensor2ndarray(polygon) for polygon in polygons]
        for polygon in polygons:
            if not self._is_posion_valid(polygon):
                warnings.warn(
                    "Warning: The polygon is out of bounds, the drawn polygon may not be in "
                    "the image",
                    UserWarning,
                    stacklevel=3,
                )
        ax.add_collection(
            PolyCollection(
                polygons,
                alpha=alpha,
                facecolor=face_colors,
                linestyles=line_styles,
                edgecolors=edge_colors,
                linewidths=self._clamped_line_widths(line_widths, len(polygons)),
            )
        )
        return self

    @master_only
    def draw_circles(
        self,
        center: Any,
        radius: Any,
        edge_colors: Any = "g",
        line_styles: str | list[str] = "-",
        line_widths: int | float | list = 2,
        face_colors: Any = "none",
        alpha: float | int = 0.8,
    ) -> Any:
        """Draw circles at ``center`` (N, 2) pixel (x, y) with ``radius`` (N,)."""
        import numpy as np
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Circle

        ax = self._start_drawing("draw_circles")
        check_type("center", center, _array_types())
        center = tensor2ndarray(center)
        check_type("radius", radius, _array_types())
        radius = tensor2ndarray(radius)
        if center.ndim == 1:
            center = center[None]
        raise_unless(
            center.shape == (radius.shape[0], 2),
            f"The shape of `center` should be (radius.shape, 2), but got {center.shape}",
        )
        reach = np.tile(radius.reshape((-1, 1)), (1, 2))
        if not (self._is_posion_valid(center - reach) and self._is_posion_valid(center + reach)):
            warnings.warn(
                "Warning: The circle is out of bounds, the drawn circle may not be in the image",
                UserWarning,
                stacklevel=3,
            )
        centers, radii = center.tolist(), radius.tolist()
        circles = [Circle(tuple(centers[i]), radii[i]) for i in range(len(centers))]
        ax.add_collection(
            PatchCollection(
                circles,
                alpha=alpha,
                facecolors=color_val_matplotlib(face_colors),
                edgecolors=color_val_matplotlib(edge_colors),
                linewidths=self._clamped_line_widths(line_widths, len(circles)),
                linestyles=line_styles,
            )
        )
        return self

    @master_only
    def draw_binary_masks(
        self,
        binary_masks: Any,
        colors: Any = "g",
        alphas: float | list[float] = 0.8,
    ) -> Any:
        """Blend boolean masks ((H, W) or (N, H, W)) onto the drawn image, one colour each.

        Each mask paints ``colors[i]`` (a name or 0-255 RGB) with weight ``alphas[i]`` over
        the image as drawn so far.
        """
        import numpy as np

        check_type("binary_masks", binary_masks, _array_types())
        masks = tensor2ndarray(binary_masks)
        raise_unless(
            masks.dtype == np.bool_,
            f"The dtype of binary_masks should be np.bool_, but got {masks.dtype}",
        )
        img = self.get_image()
        if masks.ndim == 2:
            masks = masks[None]
        raise_unless(
            img.shape[:2] == masks.shape[1:],
            "`binary_masks` must have the same shape with image",
        )
        count = masks.shape[0]
        check_type_and_length("colors", colors, (str, tuple, list), count)
        colors = value2list(colors, (str, tuple), count)
        rgb_colors = [color_str2rgb(c) if isinstance(c, str) else c for c in colors]
        for color in rgb_colors:
            raise_unless(len(color) == 3)
            for channel in color:
                raise_unless(0 <= channel <= 255)
        if isinstance(alphas, (int, float)):
            alphas = [alphas] * count
        for mask, color, alpha in zip(masks, rgb_colors, alphas):
            painted = np.where(mask[..., None], np.asarray(color, dtype=img.dtype), img)
            img = _cv_ops.add_weighted(img, 1 - alpha, painted, alpha, 0)
        ax = self._start_drawing("draw_binary_masks")
        ax.imshow(img, extent=(0, self.width, self.height, 0), interpolation="nearest")
        return self

    draw_featmap = staticmethod(master_only(draw_featmap))

    # ---- showing --------------------------------------------------------------------------

    def _initialize_fig(self, fig_cfg: dict) -> tuple[Any, Any, Any]:
        """An off-screen (Agg) canvas, figure and borderless axes built from ``fig_cfg``."""
        _matplotlib()
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(**fig_cfg)
        ax = fig.add_subplot()
        ax.axis(False)
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)  # no white margins
        return FigureCanvasAgg(fig), fig, ax

    def _init_manager(self, win_name: str) -> None:
        """The pyplot window ``show`` draws in (figure 1, ``fig_show_cfg``), titled ``win_name``."""
        from matplotlib.figure import Figure
        from matplotlib.pyplot import new_figure_manager

        if getattr(self, "manager", None) is None:
            self.manager = new_figure_manager(num=1, FigureClass=Figure, **self.fig_show_cfg)
        try:
            self.manager.set_window_title(win_name)
        except Exception:  # the window was closed: open a new one
            self.manager = new_figure_manager(num=1, FigureClass=Figure, **self.fig_show_cfg)
            self.manager.set_window_title(win_name)

    @master_only
    def show(
        self,
        drawn_img: Any = None,
        win_name: str = "image",
        wait_time: float = 0.0,
        continue_key: str = " ",
        backend: str = "matplotlib",
    ) -> Any:
        """Show the drawn image (or ``drawn_img``) in a window and wait.

        ``wait_time`` seconds (0: until ``continue_key`` is pressed or the window closes).
        Under an inline (notebook) backend the figure is returned; under a backend without a
        display (Agg) nothing can be shown and ``show`` returns at once instead of waiting
        forever as mmengine does. ``backend='cv2'`` shows with OpenCV (``opencv-python``).
        """
        if backend == "matplotlib":
            _matplotlib()
            import matplotlib.pyplot as plt

            img = self.get_image() if drawn_img is None else drawn_img
            self._init_manager(win_name)
            fig = self.manager.canvas.figure
            fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
            fig.clear()
            ax = fig.add_subplot()
            ax.axis(False)
            ax.imshow(img)
            self.manager.canvas.draw()
            if "inline" in plt.get_backend():
                return fig
            wait_continue(fig, timeout=wait_time, continue_key=continue_key)
            return None
        if backend == "cv2":
            try:
                import cv2
            except ImportError as err:
                raise MissingVisBackendPackageError(
                    "Visualizer.show(backend='cv2') needs OpenCV, which is not installed; "
                    'run "pip install opencv-python" or use backend="matplotlib"',
                    name="cv2",
                ) from err
            import numpy as np

            window = f"{id(self)}"
            cv2.namedWindow(winname=window)
            cv2.setWindowTitle(window, win_name)
            cv2.imshow(window, self.get_image() if drawn_img is None else drawn_img)
            cv2.waitKey(int(np.ceil(wait_time * 1000)))
            return None
        raise VisualizationArgumentError(
            f'backend should be "matplotlib" or "cv2", but got {backend} instead'
        )


def _array_types() -> tuple[type, ...]:
    """numpy arrays, and torch tensors when torch is loaded (a tensor needs torch loaded)."""
    import sys

    import numpy as np

    torch = sys.modules.get("torch")
    return (np.ndarray, torch.Tensor) if torch is not None else (np.ndarray,)
