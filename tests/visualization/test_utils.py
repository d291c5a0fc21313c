"""mmlight.visualization.utils against mmengine.visualization.utils; the numpy OpenCV ops."""

from __future__ import annotations

import numpy as np
import pytest

from mmlight.visualization import utils

mm_utils = pytest.importorskip("mmengine.visualization.utils")
torch = pytest.importorskip("torch")


def test_same_public_names_as_mmengine() -> None:
    theirs = {
        name
        for name in vars(mm_utils)
        if not name.startswith("_")
        and callable(getattr(mm_utils, name))
        and getattr(getattr(mm_utils, name), "__module__", "") == mm_utils.__name__
    }
    assert theirs <= set(utils.__all__)


def _raised(fn, *args):
    try:
        fn(*args)
    except Exception as err:
        return type(err), str(err)
    return None


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("check_type", ("colors", 3, (str, tuple))),
        ("check_type", ("colors", "g", (str, tuple))),
        ("check_length", ("colors", ["r"], 2)),
        ("check_length", ("colors", ["r", "g"], 2)),
        ("check_length", ("colors", "r", 5)),
        ("check_type_and_length", ("sizes", [1], (int, list), 3)),
        ("check_type_and_length", ("sizes", 1.5, (int, list), 3)),
        ("color_val_matplotlib", ((255, 0, 0, 0),)),
        ("color_val_matplotlib", ((256, 0, 0),)),
        ("color_val_matplotlib", (3,)),
    ],
)
def test_checks_raise_as_mmengine(name: str, args: tuple) -> None:
    assert _raised(getattr(utils, name), *args) == _raised(getattr(mm_utils, name), *args)


def test_check_messages_pinned() -> None:
    with pytest.raises(TypeError, match=r"`colors` should be \(<class 'str'>, <class 'tuple'>\)"):
        utils.check_type("colors", 3, (str, tuple))
    with pytest.raises(AssertionError, match=r"The length of colors must equal with or greater"):
        utils.check_length("colors", ["r"], 2)
    with pytest.raises(TypeError, match=r"Invalid type for color: <class 'int'>"):
        utils.color_val_matplotlib(3)


@pytest.mark.parametrize(
    "value",
    ["g", (255, 0, 51), [(0, 0, 0), "red", [(10, 20, 30)]], "#12345678"],
)
def test_colors_as_mmengine(value) -> None:
    assert utils.color_val_matplotlib(value) == mm_utils.color_val_matplotlib(value)


@pytest.mark.parametrize("color", ["g", "red", "#336699", "tab:orange", "#11223344"])
def test_color_str2rgb_as_mmengine(color: str) -> None:
    pytest.importorskip("matplotlib")
    assert utils.color_str2rgb(color) == mm_utils.color_str2rgb(color)


def test_value2list_and_tensor2ndarray() -> None:
    assert utils.value2list("r", str, 3) == mm_utils.value2list("r", str, 3) == ["r"] * 3
    assert utils.value2list(["r"], str, 3) == ["r"]
    tensor = torch.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(utils.tensor2ndarray(tensor), mm_utils.tensor2ndarray(tensor))
    assert utils.tensor2ndarray("x") == "x"


def _maps():
    gen = torch.Generator().manual_seed(0)
    yield torch.randn(13, 17, generator=gen)
    yield torch.randn(1, 13, 17, generator=gen) * 40 + 3
    yield torch.randn(3, 13, 17, generator=gen)
    yield torch.rand(13, 17, generator=gen).numpy()  # a float32 array
    yield torch.zeros(13, 17)  # constant: all map to 0


@pytest.mark.parametrize("alpha", [0.5, 0.3, 0.8])
def test_convert_overlay_heatmap_is_bit_identical(alpha: float) -> None:
    image = np.random.default_rng(1).integers(0, 256, (13, 17, 3), dtype=np.uint8)
    for feat_map in _maps():
        for img in (None, image):
            ours = utils.convert_overlay_heatmap(feat_map, img, alpha)
            theirs = mm_utils.convert_overlay_heatmap(feat_map, img, alpha)
            assert ours.dtype == theirs.dtype == np.uint8
            np.testing.assert_array_equal(ours, theirs)


def test_convert_overlay_heatmap_rejects_other_shapes() -> None:
    with pytest.raises(AssertionError):
        utils.convert_overlay_heatmap(np.zeros((2, 4, 4), np.float32))


def test_img_from_canvas_as_mmengine() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 0.5), dpi=50)
    canvas = FigureCanvasAgg(fig)
    fig.add_subplot().plot([0, 1], [1, 0], "r-")
    ours = utils.img_from_canvas(canvas)
    assert ours.shape == (25, 50, 3) and ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, mm_utils.img_from_canvas(canvas))


def test_wait_continue_returns_without_a_display() -> None:
    """Agg has no event loop: mmengine would wait forever with timeout=0; we return 0."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")
    fig = plt.figure()
    try:
        assert utils.wait_continue(fig, timeout=0) == 0
    finally:
        plt.close(fig)


def test_require_matplotlib_says_what_to_install(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(
        ImportError, match=r'color_str2rgb needs matplotlib.*"pip install matplotlib"'
    ):
        utils.color_str2rgb("g")
