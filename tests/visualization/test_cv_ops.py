"""The numpy versions of OpenCV's operations (mmlight.visualization._cv_ops) against OpenCV."""

from __future__ import annotations

import numpy as np
import pytest

from mmlight.visualization import _cv_ops

cv2 = pytest.importorskip("cv2")


def test_jet_table_equals_opencv() -> None:
    levels = np.arange(256, dtype=np.uint8)[:, None]
    expected = cv2.applyColorMap(levels, cv2.COLORMAP_JET)[:, 0, ::-1]
    np.testing.assert_array_equal(_cv_ops.jet_lut(), expected)


def test_colormap_of_three_channels_reads_them_as_bgr() -> None:
    image = np.random.default_rng(0).integers(0, 256, (21, 19, 3), dtype=np.uint8)
    np.testing.assert_array_equal(
        _cv_ops.bgr_to_gray(image), cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    )
    expected = cv2.cvtColor(cv2.applyColorMap(image, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(_cv_ops.apply_jet_colormap(image), expected)


def test_normalize_float32_equals_opencv() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        values = (rng.standard_normal((9, 11)) * rng.uniform(0.01, 100)).astype(np.float32)
        expected = cv2.normalize(values, None, 0, 255, cv2.NORM_MINMAX)
        np.testing.assert_array_equal(_cv_ops.normalize_minmax(values), expected)


def test_add_weighted_equals_opencv() -> None:
    rng = np.random.default_rng(0)
    for alpha in (0.5, 0.3, 0.7, 0.25, 0.8, 0.1):
        a = rng.integers(0, 256, (30, 20, 3), dtype=np.uint8)
        b = rng.integers(0, 256, (30, 20, 3), dtype=np.uint8)
        np.testing.assert_array_equal(
            _cv_ops.add_weighted(a, 1 - alpha, b, alpha, 0),
            cv2.addWeighted(a, 1 - alpha, b, alpha, 0),
        )


@pytest.mark.parametrize(
    ("src", "dst"),
    [((10, 12), (20, 24)), ((37, 41), (19, 23)), ((8, 8), (4, 4)), ((5, 7), (13, 3))],
)
def test_resize_within_one_level_of_opencv(src: tuple, dst: tuple) -> None:
    """OpenCV's vectorised loop rounds differently from its scalar path we follow: <= 1 level."""
    image = np.random.default_rng(0).integers(0, 256, (*src, 3), dtype=np.uint8)
    ours = _cv_ops.resize_bilinear(image, dst[::-1])
    theirs = cv2.resize(image, dst[::-1])
    assert ours.shape == theirs.shape
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1
