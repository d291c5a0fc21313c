"""LocalVisBackend: lazy folders, mmengine's file layout and JSON-lines format, PNG images."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from mmlight.config import Config
from mmlight.visualization import LocalVisBackend
from mmlight.visualization._png import encode_png


def test_nothing_is_created_until_first_use(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path / "vis"))
    assert not (tmp_path / "vis").exists()
    assert backend.experiment is backend
    assert (tmp_path / "vis").is_dir()


def test_scalars_are_json_lines_with_step(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"loss": 0.5, "acc": np.float32(0.25)}, step=3)
    backend.add_scalar("lr", torch.tensor(0.125), step=4)
    backend.add_scalars({"loss": 0.1, "step": 99}, step=5)  # an explicit 'step' key wins
    lines = (tmp_path / "scalars.json").read_text().splitlines()
    assert lines[0] == '{"loss": 0.5, "acc": 0.25, "step": 3}'
    assert [json.loads(line) for line in lines[1:]] == [
        {"lr": 0.125, "step": 4},
        {"loss": 0.1, "step": 99},
    ]


def test_file_path_gets_the_same_records(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"a": 1}, step=1, file_path="run.json")
    backend.add_scalars({"a": 2}, step=2, file_path="run.json")
    assert (tmp_path / "run.json").read_text() == (tmp_path / "scalars.json").read_text()


@pytest.mark.parametrize(
    ("file_path", "match"),
    [
        ("run.txt", r"file_path must name a '.json' file, but got 'run.txt'"),
        ("scalars.json", r"file_path 'scalars.json' is the scalar file itself"),
    ],
)
def test_bad_file_path(tmp_path: Path, file_path: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LocalVisBackend(str(tmp_path)).add_scalars({"a": 1}, file_path=file_path)


def test_add_scalars_needs_a_dict(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"add_scalars needs a dict of name -> value, but got list"):
        LocalVisBackend(str(tmp_path)).add_scalars([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(config_save_file="cfg.yaml"), r"config_save_file must end with '.py', but got"),
        (dict(scalar_save_file="s.txt"), r"scalar_save_file must end with '.json', but got"),
    ],
)
def test_bad_file_names(tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LocalVisBackend(str(tmp_path), **kwargs)


def test_config_is_dumped_as_python(tmp_path: Path) -> None:
    backend = LocalVisBackend(str(tmp_path), config_save_file="cfg.py")
    backend.add_config(Config(dict(model=dict(type="Toy"), lr=0.1)))
    assert Config.fromfile(str(tmp_path / "cfg.py")).to_dict() == dict(
        model=dict(type="Toy"), lr=0.1
    )
    with pytest.raises(TypeError, match=r"add_config needs a Config .* but got dict"):
        backend.add_config(dict(a=1))


def _decode_png(data: bytes) -> np.ndarray:
    """Enough of a PNG reader for files written with filter 0 and 8-bit RGB."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4 : idat], "big")
    raw = np.frombuffer(zlib.decompress(data[idat + 4 : idat + 4 + length]), np.uint8)
    rows = raw.reshape(height, 1 + width * 3)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 3)


def test_images_are_saved_as_png(tmp_path: Path) -> None:
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    LocalVisBackend(str(tmp_path)).add_image("sample", image, step=12)
    path = tmp_path / "vis_image" / "sample_12.png"
    np.testing.assert_array_equal(_decode_png(path.read_bytes()), image)


def test_png_matches_what_opencv_reads(tmp_path: Path) -> None:
    cv2 = pytest.importorskip("cv2")
    image = np.random.default_rng(1).integers(0, 256, (6, 4, 3), dtype=np.uint8)
    path = tmp_path / "x.png"
    path.write_bytes(encode_png(image))
    np.testing.assert_array_equal(cv2.imread(str(path))[..., ::-1], image)  # BGR -> RGB


def test_add_image_needs_uint8(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"image 'x' must be a numpy uint8 array, but got float"):
        LocalVisBackend(str(tmp_path)).add_image("x", np.zeros((2, 2, 3)))
