"""Drawing with mmlight's Visualizer gives mmengine's pixels.

Every case draws on the same image with both Visualizers and compares ``get_image()`` exactly
(both render with the same matplotlib Agg). The one tolerance: ``draw_featmap`` with
``resize_shape`` and an ``overlaid_image`` may differ by one level, because OpenCV's vectorised
bilinear resize rounds differently from the numpy one (tests/visualization/test_cv_ops.py).
"""

from __future__ import annotations

import time
import uuid
import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("mmengine")
torch = pytest.importorskip("torch")

from mmengine.visualization import Visualizer as MMVisualizer  # noqa: E402

from mmlight.visualization import Visualizer  # noqa: E402

IMAGE = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)


def _mask(seed: int, shape: tuple = (60, 80), p: float = 0.5) -> np.ndarray:
    return np.random.default_rng(seed).random(shape) > p


DRAWINGS = {
    "nothing": lambda v: None,
    "circles": lambda v: v.draw_circles(
        np.array([[20, 20], [50, 30]]),
        np.array([8, 12]),
        edge_colors=["r", (0, 0, 255)],
        face_colors="y",
        alpha=0.5,
        line_widths=[1, 5],
    ),
    "one circle, tensor": lambda v: v.draw_circles(torch.tensor([40, 30]), torch.tensor([9])),
    "polygons": lambda v: v.draw_polygons(
        [np.array([[0, 0], [30, 5], [20, 40]]), torch.tensor([[40, 40], [70, 50], [60, 58]])],
        edge_colors="b",
        face_colors=(0, 255, 0),
        line_styles="--",
    ),
    "one polygon": lambda v: v.draw_polygons(np.array([[5, 5], [70, 10], [40, 50]])),
    "bboxes": lambda v: v.draw_bboxes(
        np.array([[10, 10, 30, 30], [35, 5, 75, 55]]),
        edge_colors=["r", "g"],
        line_widths=3,
        face_colors="none",
    ),
    "filled bbox": lambda v: v.draw_bboxes(
        torch.tensor([5.5, 6.5, 50.0, 40.0]), face_colors="b", alpha=0.3
    ),
    "masks": lambda v: v.draw_binary_masks(
        np.stack([_mask(1), _mask(2)]), colors=["r", (10, 200, 30)], alphas=[0.3, 0.6]
    ),
    "one mask, tensor": lambda v: v.draw_binary_masks(torch.from_numpy(_mask(3))),
    "points": lambda v: v.draw_points(
        np.array([[10, 10], [20, 30]]), colors=["r", "b"], sizes=np.array([30, 50])
    ),
    "lines": lambda v: v.draw_lines(
        np.array([[0, 79], [10, 50]]),
        np.array([[5, 55], [50, 10]]),
        colors=["r", (0, 0, 255)],
        line_widths=[1, 3],
        line_styles=["-", "--"],
    ),
    "texts": lambda v: v.draw_texts(
        ["ab", "cd"],
        np.array([[5, 5], [40, 30]]),
        colors=["r", "w"],
        font_sizes=[10, 14],
        bboxes=dict(facecolor="black"),
    ),
    "chained": lambda v: (
        v.draw_bboxes(np.array([5, 5, 40, 40]))
        .draw_binary_masks(_mask(4, p=0.7), alphas=0.5)
        .draw_circles(np.array([60, 30]), np.array([10]))
        .draw_texts("x", np.array([50, 40]))
    ),
}


def _draw_both(draw, image: np.ndarray = IMAGE) -> tuple[np.ndarray, np.ndarray]:
    ours = Visualizer(name=f"ours-{uuid.uuid4().hex}", image=image)
    theirs = MMVisualizer(name=f"theirs-{uuid.uuid4().hex}", image=image)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        draw(ours)
        draw(theirs)
    return ours.get_image(), theirs.get_image()


@pytest.mark.parametrize("case", list(DRAWINGS))
def test_drawing_gives_mmengines_pixels(case: str) -> None:
    ours, theirs = _draw_both(DRAWINGS[case])
    assert ours.shape == theirs.shape == IMAGE.shape
    np.testing.assert_array_equal(ours, theirs)
    if case != "nothing":
        assert (ours != IMAGE).any()


def test_wide_outlines_are_clamped_as_mmengine() -> None:
    """Outline widths stay within [1, default font size / 4] on a large image too."""
    big = np.zeros((400, 500, 3), np.uint8)
    ours, theirs = _draw_both(
        lambda v: v.draw_bboxes(np.array([[50, 50, 300, 300]]), line_widths=40).draw_circles(
            np.array([[400, 200]]), np.array([50]), line_widths=0.2
        ),
        big,
    )
    np.testing.assert_array_equal(ours, theirs)


def _featmap_cases() -> dict:
    gen = torch.Generator().manual_seed(0)
    featmap = torch.randn(8, 12, 16, generator=gen)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    other_size = rng.integers(0, 256, (24, 20, 3), dtype=np.uint8)
    return {
        "mean": (featmap, {}),
        "mean on image": (featmap, dict(overlaid_image=image, alpha=0.3)),
        "select_max on image": (
            featmap,
            dict(channel_reduction="select_max", overlaid_image=image),
        ),
        "topk grid": (featmap, dict(channel_reduction=None, topk=4, arrangement=(2, 2))),
        "topk grid on image": (
            featmap,
            dict(channel_reduction=None, topk=3, arrangement=(2, 2), overlaid_image=image),
        ),
        "topk more than channels": (
            featmap[:2],
            dict(channel_reduction=None, topk=5, arrangement=(2, 3)),
        ),
        "map resized to image": (featmap, dict(overlaid_image=other_size)),
        "grey image": (featmap, dict(overlaid_image=image[..., 0])),
        "resize_shape": (featmap, dict(resize_shape=(30, 40))),
        "one channel as is": (featmap[:1], dict(channel_reduction=None, topk=0)),
        "three channels as is": (featmap[:3], dict(channel_reduction=None, topk=-1)),
    }


@pytest.mark.parametrize("case", list(_featmap_cases()))
def test_draw_featmap_gives_mmengines_pixels(case: str) -> None:
    featmap, kwargs = _featmap_cases()[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = Visualizer.draw_featmap(featmap, **kwargs)
        theirs = MMVisualizer.draw_featmap(featmap, **kwargs)
    assert ours.dtype == np.uint8 and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_draw_featmap_resized_image_within_one_level() -> None:
    featmap = torch.randn(4, 12, 16, generator=torch.Generator().manual_seed(1))
    image = np.random.default_rng(1).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = Visualizer.draw_featmap(featmap, image, resize_shape=(30, 40))
        theirs = MMVisualizer.draw_featmap(featmap, image, resize_shape=(30, 40))
    assert ours.shape == theirs.shape == (30, 40, 3)
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1


def test_draw_featmap_errors_as_mmengine() -> None:
    featmap = torch.randn(4, 6, 6)
    with pytest.raises(AssertionError, match=r"`featmap` should be torch.Tensor"):
        Visualizer.draw_featmap(featmap.numpy())
    with pytest.raises(AssertionError, match=r"Input dimension must be 3, but got 2"):
        Visualizer.draw_featmap(featmap[0])
    with pytest.raises(AssertionError, match=r'Mode only support "squeeze_mean", "select_max"'):
        Visualizer.draw_featmap(featmap, channel_reduction="max")
    with pytest.raises(AssertionError, match=r"channel dimension you input is 4"):
        Visualizer.draw_featmap(featmap, channel_reduction=None, topk=0)
    with pytest.raises(AssertionError, match=r"The product of row and col in the `arrangement`"):
        Visualizer.draw_featmap(featmap, channel_reduction=None, topk=7, arrangement=(2, 3))
    with pytest.warns(UserWarning, match=r"the feature map will be interpolated"):
        Visualizer.draw_featmap(featmap, np.zeros((12, 12, 3), np.uint8))


def test_new_draw_methods_check_arguments_as_mmengine() -> None:
    vis = Visualizer(name=f"ours-{uuid.uuid4().hex}", image=IMAGE)
    with pytest.raises(TypeError, match=r"`center` should be"):
        vis.draw_circles([1, 2], np.array([1]))
    with pytest.raises(
        AssertionError, match=r"The shape of `center` should be \(radius.shape, 2\)"
    ):
        vis.draw_circles(np.array([[1, 2], [3, 4]]), np.array([1]))
    with pytest.raises(TypeError, match=r"`polygons` should be"):
        vis.draw_polygons("square")
    with pytest.raises(AssertionError, match=r"each polygon in `polygons` should be \(M, 2\)"):
        vis.draw_polygons(np.zeros((4, 3)))
    with pytest.raises(AssertionError, match=r"The dtype of binary_masks should be np.bool_"):
        vis.draw_binary_masks(np.zeros((60, 80), np.uint8))
    with pytest.raises(AssertionError, match=r"`binary_masks` must have the same shape with image"):
        vis.draw_binary_masks(np.zeros((10, 10), bool))
    with pytest.raises(AssertionError, match=r"The length of colors must equal with or greater"):
        vis.draw_binary_masks(np.zeros((2, 60, 80), bool), colors=["r"])
    with pytest.warns(UserWarning, match=r"The circle is out of bounds"):
        vis.draw_circles(np.array([5, 5]), np.array([10]))
    with pytest.warns(UserWarning, match=r"The polygon is out of bounds"):
        vis.draw_polygons(np.array([[0, 0], [100, 0], [50, 50]]))
    with pytest.warns(UserWarning, match=r"The bbox is out of bounds"):
        vis.draw_bboxes(np.array([0, 0, 100, 10]))


def test_has_every_public_method_of_mmengines_visualizer() -> None:
    def public(cls) -> set[str]:
        return {name for name in dir(cls) if not name.startswith("__")}

    assert public(MMVisualizer) - public(Visualizer) == set()


def test_show_on_agg_returns_at_once() -> None:
    """With no display (Agg) there is nothing to wait for; mmengine would block forever."""
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")
    vis = Visualizer(name=f"ours-{uuid.uuid4().hex}", image=IMAGE)
    vis.draw_circles(np.array([40, 30]), np.array([10]))
    start = time.monotonic()
    assert vis.show(win_name="drawn", wait_time=0) is None
    vis.show(drawn_img=IMAGE, wait_time=5)
    assert time.monotonic() - start < 5
    shown = vis.manager.canvas.figure.axes[0].images[0].get_array()
    np.testing.assert_array_equal(np.asarray(shown), IMAGE)
    plt.close("all")


def test_show_rejects_unknown_backends() -> None:
    vis = Visualizer(name=f"ours-{uuid.uuid4().hex}", image=IMAGE)
    with pytest.raises(ValueError, match=r'backend should be "matplotlib" or "cv2", but got qt'):
        vis.show(backend="qt")


def test_show_with_cv2_missing_says_what_to_install(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "cv2", None)
    vis = Visualizer(name=f"ours-{uuid.uuid4().hex}", image=IMAGE)
    with pytest.raises(ImportError, match=r'"pip install opencv-python"'):
        vis.show(backend="cv2")
