"""Visualizer: building backends, fanning records out, the instance table, drawing."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from mmlight.registry import VISUALIZERS
from mmlight.visualization import (
    BaseVisBackend,
    LocalVisBackend,
    MissingVisBackendPackageError,
    Visualizer,
)


def _name() -> str:
    return f"vis-{uuid.uuid4().hex}"


class Recording(BaseVisBackend):
    """A backend that keeps what it was given (save_dir has a default: works without one)."""

    def __init__(self, save_dir: str | None = None) -> None:
        super().__init__(save_dir)
        self.calls: list[tuple] = []

    @property
    def experiment(self) -> Recording:
        return self

    def _init_env(self) -> None:
        pass

    def add_config(self, config, **kwargs) -> None:
        self.calls.append(("config", config))

    def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs) -> None:
        self.calls.append(("scalars", scalar_dict, step, file_path))

    def add_image(self, name, image, step=0, **kwargs) -> None:
        self.calls.append(("image", name, step))

    def close(self) -> None:
        self.calls.append(("close",))


def test_backends_write_under_save_dir_vis_data(tmp_path: Path) -> None:
    vis = Visualizer(name=_name(), vis_backends=dict(type="LocalVisBackend"), save_dir=tmp_path)
    vis.add_scalars({"loss": 1.0}, step=2, file_path="run.json")
    assert json.loads((tmp_path / "vis_data" / "scalars.json").read_text()) == {
        "loss": 1.0,
        "step": 2,
    }
    assert (tmp_path / "vis_data" / "run.json").exists()
    assert isinstance(vis.get_backend("LocalVisBackend"), LocalVisBackend)
    assert vis.get_backend("missing") is None


class OtherRecording(Recording):
    pass


def test_records_fan_out_to_every_backend() -> None:
    first, second = Recording(), OtherRecording()
    vis = Visualizer(name=_name(), vis_backends=[first, second])
    vis.add_config("cfg")
    vis.add_scalars({"a": 1}, step=3, file_path="x.json")
    vis.add_image("img", np.zeros((2, 2, 3), np.uint8), step=4)
    vis.close()
    expected = [
        ("config", "cfg"),
        ("scalars", {"a": 1}, 3, "x.json"),
        ("image", "img", 4),
        ("close",),
    ]
    assert first.calls == expected and second.calls == expected


def test_backend_names(tmp_path: Path) -> None:
    vis = Visualizer(
        name=_name(),
        vis_backends=[dict(type="LocalVisBackend", name="a"), dict(type="LocalVisBackend")],
        save_dir=tmp_path,
    )
    assert list(vis._vis_backends) == ["a", "LocalVisBackend"]
    with pytest.raises(RuntimeError, match=r"two vis_backends are named 'LocalVisBackend'"):
        Visualizer(
            name=_name(),
            vis_backends=[dict(type="LocalVisBackend"), dict(type="LocalVisBackend")],
            save_dir=tmp_path,
        )


def test_backend_needing_save_dir_is_skipped_with_a_warning() -> None:
    with pytest.warns(UserWarning, match=r"LocalVisBackend is skipped because it needs save_dir"):
        vis = Visualizer(name=_name(), vis_backends=[dict(type="LocalVisBackend")])
    assert vis.get_backend("LocalVisBackend") is None


def test_bad_vis_backends() -> None:
    with pytest.raises(TypeError, match=r"vis_backends must be a list of dicts or a list of Base"):
        Visualizer(name=_name(), vis_backends="LocalVisBackend")
    with pytest.raises(TypeError, match=r"BaseBackend instances, but vis_backends\[0\] is a int"):
        Visualizer(name=_name(), vis_backends=[3])


def test_registry_build_and_current_instance(tmp_path: Path) -> None:
    class TaskVisualizer(Visualizer):
        pass

    name = _name()
    built = VISUALIZERS.build(dict(type="Visualizer", name=name, save_dir=str(tmp_path)))
    assert Visualizer.get_instance(name) is built
    sub = TaskVisualizer.get_instance(_name())
    assert Visualizer.get_current_instance() is sub  # found without knowing the subclass


def test_dataset_meta() -> None:
    vis = Visualizer(name=_name())
    assert vis.dataset_meta is None
    vis.dataset_meta = dict(classes=("cat", "dog"))
    assert vis.dataset_meta == dict(classes=("cat", "dog"))


def test_image_round_trip_without_drawing() -> None:
    vis = Visualizer(name=_name())
    image = np.random.default_rng(0).integers(0, 256, (8, 9, 3), dtype=np.uint8)
    vis.set_image(image)
    np.testing.assert_array_equal(vis.get_image(), image)


def test_drawing_changes_the_right_pixels() -> None:
    pytest.importorskip("matplotlib")
    vis = Visualizer(name=_name(), image=np.zeros((40, 60, 3), np.uint8))
    vis.draw_bboxes(np.array([[10, 10, 30, 30]]), edge_colors=(255, 0, 0), line_widths=2)
    vis.draw_lines(np.array([0, 59]), np.array([35, 35]), colors="b", line_widths=1)
    vis.draw_points(np.array([[50, 5]]), colors="w", sizes=np.array([20]))
    vis.draw_texts("hi", np.array([40, 15]), colors="g")
    drawn = vis.get_image()
    assert drawn.shape == (40, 60, 3) and drawn.dtype == np.uint8
    assert drawn[10:31, 9:12, 0].max() > 200  # the box's left edge is red
    assert drawn[20, 20].tolist() == [0, 0, 0]  # its inside is not filled
    assert drawn[34:37, 5:55, 2].max() > 150  # the blue line
    assert drawn[5, 50].min() > 200  # the white point
    assert drawn[12:30, 40:60, 1].max() > 50  # some green text


def test_draw_argument_errors() -> None:
    """mmengine's checks: asserts (caught as AssertionError or ValueError) and TypeErrors."""
    pytest.importorskip("matplotlib")
    vis = Visualizer(name=_name())
    with pytest.raises(ValueError, match=r"draw_bboxes: call set_image\(image\) before drawing"):
        vis.draw_bboxes(np.array([[0, 0, 1, 1]]))
    vis.set_image(np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(AssertionError, match=r"x2 >= x1 and y2 >= y1"):
        vis.draw_bboxes(np.array([[5, 5, 1, 1]]))
    with pytest.raises(ValueError, match=r"`positions` should have the shape of \(2, 2\)"):
        vis.draw_texts(["a", "b"], np.array([1, 1]))
    with pytest.raises(AssertionError, match=r"The length of colors must equal with or greater"):
        vis.draw_texts(["a", "b"], np.array([[1, 1], [2, 2]]), colors=["r"])
    with pytest.raises(TypeError, match=r"`positions` should be"):
        vis.draw_points([[1, 1]])
    with pytest.raises(AssertionError, match=r"The shape of `positions` should be \(N, 2\)"):
        vis.draw_points(np.array([1, 2, 3]))
    with pytest.raises(AssertionError, match=r"`x_datas` and `y_datas` should have the same shape"):
        vis.draw_lines(np.array([1, 2]), np.array([[1, 2]]))
    with pytest.warns(UserWarning, match=r"The text is out of bounds"):
        vis.draw_texts("far", np.array([50, 50]))
    with pytest.warns(UserWarning, match=r"The line is out of bounds"):
        vis.draw_lines(np.array([0, 50]), np.array([0, 5]))
    with pytest.raises(AssertionError, match=r"set_image needs an image"):
        vis.set_image(None)
    with pytest.raises(AssertionError, match=r"Please set image using `set_image`"):
        Visualizer(name=_name()).get_image()


def test_drawing_without_matplotlib_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    vis = Visualizer(name=_name(), image=np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(MissingVisBackendPackageError, match=r"pip install matplotlib"):
        vis.draw_points(np.array([1, 1]))
    assert isinstance(MissingVisBackendPackageError("x"), ImportError)
