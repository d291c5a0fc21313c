"""The same downstream inferencer on mmengine's BaseInferencer and on mmlight's: same answers."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("mmengine")

import mmengine.config.utils as engine_config_utils
from mmengine.dataset import Compose as EngineCompose
from mmengine.infer import BaseInferencer as EngineInferencer
from mmengine.registry import MODELS as ENGINE_MODELS
from mmengine.registry import TRANSFORMS as ENGINE_TRANSFORMS

from mmlight.dataset import Compose
from mmlight.infer import BaseInferencer
from mmlight.registry import MODELS, TRANSFORMS
from tests.infer._toys import (
    CONFIG_TEXT,
    make_inferencer_class,
    register_toys,
    write_checkpoint,
    write_fake_package,
)

register_toys(MODELS, TRANSFORMS)
register_toys(ENGINE_MODELS, ENGINE_TRANSFORMS)
Light: Any = make_inferencer_class(BaseInferencer, Compose)
Engine: Any = make_inferencer_class(EngineInferencer, EngineCompose)
_names = itertools.count()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Any]:
    cfg_path = tmp_path / "tiny_cfg.py"
    cfg_path.write_text(CONFIG_TEXT)
    ckpt = tmp_path / "tiny.pth"
    write_checkpoint(ckpt)
    rng = np.random.default_rng(1)
    folder = tmp_path / "imgs"
    folder.mkdir()
    imgs = [rng.normal(size=(3, 4, 3)) for _ in range(5)]
    for index, img in enumerate(imgs):
        np.save(folder / f"{index}.npy", img)
    return {"cfg": str(cfg_path), "ckpt": str(ckpt), "imgs": imgs, "folder": str(folder)}


def _both(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    kwargs.setdefault("device", "cpu")
    kwargs.setdefault("show_progress", False)
    return Light(*args, **kwargs), Engine(*args, **kwargs)


def _assert_same(light: dict, engine: dict) -> None:
    assert light.keys() == engine.keys()
    assert len(light["predictions"]) == len(engine["predictions"])
    for ours, theirs in zip(light["predictions"], engine["predictions"]):
        np.testing.assert_array_equal(ours, theirs)
    if engine["visualization"] is None:
        assert light["visualization"] is None
    else:
        for ours, theirs in zip(light["visualization"], engine["visualization"]):
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "call",
    [
        {"batch_size": 1},
        {"batch_size": 2, "scale": 3.0},
        {"batch_size": 5, "return_vis": True, "opacity": 0.25},
        {"batch_size": 8, "return_vis": True},
    ],
)
@pytest.mark.parametrize("inputs", ["list", "folder", "single"])
def test_call_gives_the_same_results(files: dict[str, Any], call: dict, inputs: str) -> None:
    light, engine = _both(files["cfg"], files["ckpt"])
    given = {"list": files["imgs"], "folder": files["folder"], "single": files["imgs"][2]}[inputs]
    _assert_same(light(given, **call), engine(given, **call))


def test_config_from_the_checkpoint_alone(files: dict[str, Any]) -> None:
    light, engine = _both(weights=files["ckpt"])
    assert light.cfg.to_dict() == engine.cfg.to_dict()
    _assert_same(light(files["imgs"]), engine(files["imgs"]))


def test_model_given_as_a_dict(files: dict[str, Any]) -> None:
    cfg = {"model": {"type": "TinySegmentor", "pretrained": "x.pth"},
           "test_pipeline": [{"type": "TinyLoadArray"}, {"type": "TinyPackInputs"}]}
    light, engine = _both(cfg, files["ckpt"])
    assert light.cfg.to_dict() == engine.cfg.to_dict()
    assert "pretrained" not in light.cfg.model
    _assert_same(light(files["imgs"], batch_size=3), engine(files["imgs"], batch_size=3))


def test_helpers_answer_alike(files: dict[str, Any]) -> None:
    light, engine = _both(files["cfg"], files["ckpt"])
    for size in (1, 2, 3, 7):
        assert list(light._get_chunk_data(range(6), size)) == list(
            engine._get_chunk_data(range(6), size)
        )
    kwargs = {"scale": 1, "return_vis": True, "pred_out_dir": "", "show": False}
    assert light._dispatch_kwargs(**kwargs) == engine._dispatch_kwargs(**kwargs)
    assert sorted(light._inputs_to_list(files["folder"])) == sorted(
        engine._inputs_to_list(files["folder"])
    )
    assert light._inputs_to_list("not/a/dir.npy") == engine._inputs_to_list("not/a/dir.npy")
    for bad in ({"scale": 1, "nope": 2},):
        with pytest.raises(ValueError, match="unknown argument") as ours:
            light._dispatch_kwargs(**bad)
        with pytest.raises(ValueError, match="unknown argument") as theirs:
            engine._dispatch_kwargs(**bad)
        assert str(theirs.value) in str(ours.value)


@pytest.fixture
def fake_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    name = f"tinyparitypkg_{os.getpid()}_{next(_names)}"
    ckpt = tmp_path / "metafile_weights.pth"
    write_checkpoint(ckpt, with_config=False, seed=3)
    write_fake_package(tmp_path / "site", name, ckpt)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    # mmengine accepts only the scopes of its table
    monkeypatch.setitem(engine_config_utils.MODULE2PACKAGE, name, name)
    yield name, ckpt
    sys.modules.pop(name, None)


def test_metafile_lookups_agree(fake_package: tuple[str, Path], files: dict[str, Any]) -> None:
    name, _ = fake_package
    for patterns in (r".*", r"Tiny", r"tiny_seg_\d"):
        assert BaseInferencer.list_models(name, patterns) == EngineInferencer.list_models(
            name, patterns
        )
    assert BaseInferencer._get_repo_or_mim_dir(name) == EngineInferencer._get_repo_or_mim_dir(
        name
    )
    light, engine = _both("tiny-seg-alias", scope=name)
    (light_cfg, light_weights) = light._load_model_from_metafile("TinySeg")
    (engine_cfg, engine_weights) = engine._load_model_from_metafile("TinySeg")
    assert light_cfg.to_dict() == engine_cfg.to_dict() and light_weights == engine_weights
    _assert_same(light(files["imgs"]), engine(files["imgs"]))
    with pytest.raises(ValueError, match=f"Cannot find model: fake in {name}"):
        light._load_model_from_metafile("fake")
    with pytest.raises(ValueError, match=f"Cannot find model: fake in {name}"):
        engine._load_model_from_metafile("fake")


def test_errors_keep_mmengines_types_and_wording() -> None:
    duplicated = {"preprocess_kwargs": {"a"}, "postprocess_kwargs": {"a", "b"}}
    for base in (BaseInferencer, EngineInferencer):
        with pytest.raises(AssertionError, match="Class define error! Dup should not define"):
            type("Dup", (base,), duplicated)
    for cls in (Light, Engine):
        with pytest.raises(TypeError, match="model must be a filepath or any ConfigType"):
            cls([1], None, device="cpu")
        with pytest.raises(ValueError, match="If model is None, the weights must be specified"):
            cls(None, None, device="cpu")
    for base in (BaseInferencer, EngineInferencer):
        with pytest.raises(AssertionError, match="unknown not in"):
            base.list_models("unknown")
        with pytest.raises(KeyError, match="nopkg is not a valid scope"):
            base._get_repo_or_mim_dir("nopkg")
