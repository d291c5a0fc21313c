"""mmlight.infer.BaseInferencer driven by a downstream-style inferencer on a tiny model."""

from __future__ import annotations

import itertools
import os
import pickle
import sys
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.config import Config, ConfigDict
from mmlight.dataset import Compose, pseudo_collate
from mmlight.infer import BaseInferencer
from mmlight.infer.infer import InputsType, InputType, ModelType
from mmlight.registry import (
    FUNCTIONS,
    INFERENCERS,
    MODELS,
    TRANSFORMS,
    VISUALIZERS,
    DefaultScope,
)
from mmlight.runner.checkpoint import UnsafeCheckpointError
from mmlight.structures import BaseDataElement
from mmlight.visualization import Visualizer
from tests.infer._toys import (
    CONFIG_TEXT,
    expected_labels,
    make_inferencer_class,
    register_toys,
    write_checkpoint,
    write_fake_package,
)

register_toys(MODELS, TRANSFORMS)
TinySegInferencer: Any = make_inferencer_class(BaseInferencer, Compose)
_names = itertools.count()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Any]:
    cfg_path = tmp_path / "tiny_cfg.py"
    cfg_path.write_text(CONFIG_TEXT)
    ckpt = tmp_path / "tiny.pth"
    state = write_checkpoint(ckpt)
    rng = np.random.default_rng(0)
    imgs = [rng.normal(size=(4, 5, 3)) for _ in range(7)]
    return {"cfg": str(cfg_path), "ckpt": str(ckpt), "state": state, "imgs": imgs}


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """An importable package shipping ``.mim`` configs and metafiles; (name, checkpoint)."""
    name = f"tinypkg_{os.getpid()}_{next(_names)}"
    site = tmp_path / "site"
    ckpt = tmp_path / "metafile_weights.pth"
    write_checkpoint(ckpt, with_config=False, seed=1)
    write_fake_package(site, name, ckpt)
    monkeypatch.syspath_prepend(str(site))
    yield name, ckpt
    sys.modules.pop(name, None)


def test_type_aliases_are_importable_from_infer_module() -> None:
    assert ModelType is not None and InputType is not None and InputsType is not None


def test_duplicated_kwarg_keys_are_refused_at_class_definition() -> None:
    with pytest.raises(AssertionError, match=r"Class define error.*shared: \['a'\]"):

        class Broken(BaseInferencer):
            preprocess_kwargs = {"a"}
            forward_kwargs = {"a"}


@pytest.mark.parametrize("kind", ["path", "config", "configdict", "dict"])
def test_model_from_every_config_form(files: dict[str, Any], kind: str) -> None:
    cfg = Config.fromfile(files["cfg"])
    model: Any = {
        "path": files["cfg"], "config": cfg, "configdict": cfg._cfg_dict, "dict": cfg.to_dict()
    }[kind]
    inferencer = TinySegInferencer(model, files["ckpt"], device="cpu", show_progress=False)
    assert not inferencer.model.training
    for key, value in files["state"].items():
        assert torch.equal(inferencer.model.state_dict()[key], value)


def test_pretrained_is_dropped_and_the_callers_config_is_untouched(files: dict[str, Any]) -> None:
    cfg = Config.fromfile(files["cfg"])
    cfg.model.pretrained = "somewhere.pth"
    inferencer = TinySegInferencer(cfg, files["ckpt"], device="cpu")
    assert "pretrained" not in inferencer.cfg.model
    assert cfg.model.pretrained == "somewhere.pth"


def test_bad_model_arguments() -> None:
    with pytest.raises(TypeError, match="model must be a filepath or any ConfigType"):
        TinySegInferencer([CONFIG_TEXT], None, device="cpu")
    with pytest.raises(ValueError, match="If model is None, the weights must be specified"):
        TinySegInferencer(None, None, device="cpu")


def test_config_comes_from_the_checkpoint_when_model_is_none(files: dict[str, Any]) -> None:
    inferencer = TinySegInferencer(weights=files["ckpt"], device="cpu", show_progress=False)
    assert inferencer.cfg.model.type == "TinySegmentor"
    out = inferencer(files["imgs"][0])
    np.testing.assert_array_equal(
        out["predictions"][0], expected_labels(files["state"], files["imgs"][0])
    )


def test_checkpoint_without_config_and_model_none(tmp_path: Path) -> None:
    ckpt = tmp_path / "bare.pth"
    write_checkpoint(ckpt, with_config=False)
    with pytest.raises(AssertionError, match="must contain the config string in `meta`"):
        TinySegInferencer(weights=str(ckpt), device="cpu")
    torch.save({"state_dict": {}, "meta": {}}, ckpt)
    with pytest.raises(ValueError, match="Cannot find the config in the checkpoint"):
        TinySegInferencer(weights=str(ckpt), device="cpu")


def test_checkpoints_load_through_the_safe_loader(files: dict[str, Any], tmp_path: Path) -> None:
    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as stream:
        torch.save({"state_dict": files["state"], "payload": pickle.loads(
            pickle.dumps(Path("x")))}, stream)
    with pytest.raises(UnsafeCheckpointError):
        TinySegInferencer(files["cfg"], str(evil), device="cpu")


def test_without_weights_it_warns_about_random_init(files: dict[str, Any]) -> None:
    with pytest.warns(UserWarning, match="Checkpoint is not loaded"):
        TinySegInferencer(files["cfg"], None, device="cpu")


@pytest.mark.parametrize("batch_size", [1, 3, 7, 10])
def test_call_predicts_what_the_weights_say_for_any_batch_size(
    files: dict[str, Any], batch_size: int
) -> None:
    inferencer = TinySegInferencer(files["cfg"], files["ckpt"], device="cpu", show_progress=False)
    out = inferencer(files["imgs"], batch_size=batch_size)
    assert out["visualization"] is None
    assert len(out["predictions"]) == 7
    for img, labels in zip(files["imgs"], out["predictions"]):
        np.testing.assert_array_equal(labels, expected_labels(files["state"], img))


def test_call_on_a_directory_with_kwargs_for_every_step(
    files: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "imgs"
    vis_dir, pred_dir = tmp_path / "vis", tmp_path / "pred"
    for path in (folder, vis_dir, pred_dir):
        path.mkdir()
    for index, img in enumerate(files["imgs"][:3]):
        np.save(folder / f"{index}.npy", img)
    inferencer = TinySegInferencer(files["cfg"], files["ckpt"], device="cpu")
    out = inferencer(
        str(folder), batch_size=2, scale=-1.0, return_vis=True, img_out_dir=str(vis_dir),
        opacity=1.0, pred_out_dir=str(pred_dir),
    )
    listed = inferencer._inputs_to_list(str(folder))
    assert sorted(listed) == sorted(str(folder / f"{i}.npy") for i in range(3))
    for path, labels, vis in zip(listed, out["predictions"], out["visualization"]):
        img = np.load(path)
        np.testing.assert_array_equal(labels, expected_labels(files["state"], -img))
        np.testing.assert_allclose(vis, np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]])[labels])
    assert len(os.listdir(vis_dir)) == 3 and len(os.listdir(pred_dir)) == 3


def test_return_datasamples(files: dict[str, Any]) -> None:
    inferencer = TinySegInferencer(files["cfg"], files["ckpt"], device="cpu", show_progress=False)
    out = inferencer(files["imgs"][:2], return_datasamples=True)
    assert all(isinstance(pred, BaseDataElement) for pred in out["predictions"])


def test_dispatch_kwargs_and_unknown_ones(files: dict[str, Any]) -> None:
    inferencer = TinySegInferencer(files["cfg"], files["ckpt"], device="cpu")
    assert inferencer._dispatch_kwargs(scale=2, opacity=0.3, pred_out_dir="x") == (
        {"scale": 2}, {}, {"opacity": 0.3}, {"pred_out_dir": "x"}
    )
    with pytest.raises(ValueError, match=r"unknown argument \{'opacty'\}.*Did you mean 'opacity'"):
        inferencer(files["imgs"][0], opacty=0.3)


def test_get_chunk_data(files: dict[str, Any]) -> None:
    inferencer = TinySegInferencer(files["cfg"], files["ckpt"], device="cpu")
    assert list(inferencer._get_chunk_data(range(1, 11), 3)) == [
        [1, 2, 3], [4, 5, 6], [7, 8, 9], [10]
    ]
    assert list(inferencer._get_chunk_data(range(6), 3)) == [[0, 1, 2], [3, 4, 5]]
    assert list(inferencer._get_chunk_data([], 3)) == []


def test_collate_fn_named_in_the_config(files: dict[str, Any]) -> None:
    calls = []

    def counting_collate(batch: list) -> Any:
        calls.append(len(batch))
        return pseudo_collate(batch)

    FUNCTIONS.register_module(name="tiny_counting_collate", module=counting_collate, force=True)
    cfg = Config.fromfile(files["cfg"])
    inferencer = TinySegInferencer(cfg, files["ckpt"], device="cpu", show_progress=False)
    assert inferencer.collate_fn is pseudo_collate
    cfg.test_dataloader = {"collate_fn": "tiny_counting_collate"}
    inferencer = TinySegInferencer(cfg, files["ckpt"], device="cpu", show_progress=False)
    inferencer(files["imgs"], batch_size=4)
    assert calls == [4, 3]
    cfg.test_dataloader = {"collate_fn": "tiny_countin_collate"}
    with pytest.raises(KeyError, match="Did you mean 'tiny_counting_collate'"):
        TinySegInferencer(cfg, files["ckpt"], device="cpu")


class TinyVisualizer(Visualizer):
    pass


def test_init_visualizer(files: dict[str, Any]) -> None:
    VISUALIZERS.register_module(module=TinyVisualizer, force=True)
    inferencer = TinySegInferencer(files["cfg"], files["ckpt"], device="cpu")
    assert inferencer.visualizer is None
    cfg = ConfigDict(visualizer={"type": "TinyVisualizer", "name": "tiny_vis"})
    first = inferencer._init_visualizer(cfg)
    second = inferencer._init_visualizer(cfg)  # same name again: a fresh one, no error
    assert isinstance(first, TinyVisualizer) and isinstance(second, TinyVisualizer)
    assert first is not second and second.instance_name.startswith("tiny_vis-")


def test_model_from_a_metafile_name_of_an_installed_package(
    fake_package: tuple[str, Path], files: dict[str, Any]
) -> None:
    name, ckpt = fake_package
    state = torch.load(ckpt)["state_dict"]
    for written in ("tiny_seg_1x", "TinySeg", "TINY-SEG-ALIAS"):
        inferencer = TinySegInferencer(written, scope=name, device="cpu", show_progress=False)
        out = inferencer(files["imgs"][0])
        np.testing.assert_array_equal(
            out["predictions"][0], expected_labels(state, files["imgs"][0])
        )
    # weights given explicitly win over the metafile's
    inferencer = TinySegInferencer("tinyseg", files["ckpt"], scope=name, device="cpu")
    assert torch.equal(inferencer.model.conv.bias, files["state"]["conv.bias"])
    with pytest.raises(ValueError, match=r"Cannot find model: tiny_seg_2x in .*Did you mean"):
        inferencer._load_model_from_metafile("tiny_seg_2x")


def test_metafile_name_needs_a_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DefaultScope, "_instance_dict", OrderedDict())  # no default scope
    with pytest.raises(AssertionError, match="scope should be initialized"):
        TinySegInferencer("tiny_seg_1x", device="cpu")


def test_list_models(fake_package: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    name, _ = fake_package
    everything = ["tiny_seg_1x", "TinySeg", "tiny-seg-alias", "tiny_seg_noweights"]
    assert BaseInferencer.list_models(name) == everything
    assert BaseInferencer.list_models(name, patterns=r"tiny[-_]seg") == [
        "tiny_seg_1x", "tiny-seg-alias", "tiny_seg_noweights"
    ]
    with DefaultScope.overwrite_default_scope(name):
        assert BaseInferencer.list_models() == everything
    monkeypatch.setattr(DefaultScope, "_instance_dict", OrderedDict())  # no default scope
    with pytest.raises(AssertionError, match="scope should be initialized"):
        BaseInferencer.list_models()
    with pytest.raises(AssertionError, match=r"unknown not in .*please pass a valid scope"):
        BaseInferencer.list_models("unknown")


def test_repo_or_mim_dir(fake_package: tuple[str, Path], tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    name, _ = fake_package
    assert BaseInferencer._get_repo_or_mim_dir(name).endswith(os.path.join(name, ".mim"))
    # a source checkout: configs next to the package folder
    checkout = tmp_path / "checkout"
    (checkout / "configs").mkdir(parents=True)
    (checkout / f"{name}_src").mkdir()
    (checkout / f"{name}_src" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(checkout))
    assert BaseInferencer._get_repo_or_mim_dir(f"{name}_src") == str(checkout)
    with pytest.raises(FileNotFoundError, match="Cannot find `configs` directory in"):
        BaseInferencer._get_repo_or_mim_dir("json")
    with pytest.raises(KeyError, match="nopkg is not a valid scope"):
        BaseInferencer._get_repo_or_mim_dir("nopkg")
    if "mmflow" not in sys.modules:
        with pytest.raises(ImportError, match='pip install mmflow'):
            BaseInferencer._get_repo_or_mim_dir("mmflow")


def test_inferencers_registry_builds_a_registered_inferencer(files: dict[str, Any]) -> None:
    # downstream packages register their inferencers in (a child of) INFERENCERS
    INFERENCERS.register_module(name="TinySegInferencer", module=TinySegInferencer, force=True)
    inferencer = INFERENCERS.build(
        {"type": "TinySegInferencer", "model": files["cfg"], "weights": files["ckpt"],
         "device": "cpu", "show_progress": False}
    )
    assert isinstance(inferencer, TinySegInferencer)
    out = inferencer(files["imgs"][:2])
    np.testing.assert_array_equal(
        out["predictions"][1], expected_labels(files["state"], files["imgs"][1])
    )


def test_without_rich_the_progress_bar_is_left_out(
    files: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rich.progress", None)  # import fails: rich missing
    inferencer = TinySegInferencer(files["cfg"], files["ckpt"], device="cpu", show_progress=True)
    assert len(inferencer(files["imgs"], batch_size=2)["predictions"]) == 7
