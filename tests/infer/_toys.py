"""A downstream-style segmentation inferencer on a tiny model, written for any BaseInferencer.

``make_inferencer_class(base, compose)`` builds the same subclass on mmlight's or mmengine's
``BaseInferencer`` (as ``MMSegInferencer`` subclasses mmengine's): its own pipeline from
``cfg.test_pipeline``, a palette overlay in ``visualize`` and numpy predictions (or the data
samples) from ``postprocess``. ``TinySegmentor`` is a 1x1 convolution with a ``test_step``.
"""

from __future__ import annotations

import os.path as osp
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from mmlight.structures import BaseDataElement, PixelData

NUM_CLASSES = 3
PALETTE = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], dtype=np.float64)

CONFIG_TEXT = """
model = dict(type='TinySegmentor', num_classes=3)
test_pipeline = [dict(type='TinyLoadArray'), dict(type='TinyPackInputs')]
"""


class TinySegmentor(nn.Module):
    """Per-pixel class scores from a 1x1 convolution over a 3-channel image."""

    def __init__(self, num_classes: int = NUM_CLASSES, pretrained: str | None = None) -> None:
        super().__init__()
        assert pretrained is None, "the inferencer must drop `pretrained`"
        self.conv = nn.Conv2d(3, num_classes, 1)

    def test_step(self, data: dict) -> list[BaseDataElement]:
        inputs = torch.stack(data["inputs"]).float()
        logits = self.conv(inputs)
        return [
            BaseDataElement(
                seg_logits=PixelData(data=scores),
                pred_sem_seg=PixelData(data=scores.argmax(0)[None]),
            )
            for scores in logits
        ]


class TinyLoadArray:
    """A ``.npy`` path or an HWC array -> ``{'img': HWC float array}``."""

    def __call__(self, item: Any) -> dict:
        img = np.load(item) if isinstance(item, str) else np.asarray(item)
        return {"img": img.astype(np.float32)}


class TinyPackInputs:
    """``{'img': HWC}`` -> ``{'inputs': CHW tensor}``, what ``test_step`` takes per sample."""

    def __call__(self, results: dict) -> dict:
        return {"inputs": torch.from_numpy(results["img"]).permute(2, 0, 1).contiguous()}


def register_toys(models: Any, transforms: Any) -> None:
    models.register_module(module=TinySegmentor, force=True)
    transforms.register_module(module=TinyLoadArray, force=True)
    transforms.register_module(module=TinyPackInputs, force=True)


def make_inferencer_class(base: type, compose: type) -> type:
    """The downstream inferencer on ``base``, building its pipeline with ``compose``."""

    class TinySegInferencer(base):
        preprocess_kwargs = {"scale"}
        forward_kwargs: set = set()
        visualize_kwargs = {"return_vis", "img_out_dir", "opacity", "show"}
        postprocess_kwargs = {"pred_out_dir"}

        def _init_pipeline(self, cfg: Any) -> Any:
            return compose(cfg.test_pipeline)

        def preprocess(self, inputs: Any, batch_size: int = 1, scale: float = 1.0, **kwargs: Any):
            for batch in super().preprocess(inputs, batch_size, **kwargs):
                batch["inputs"] = [x * scale for x in batch["inputs"]]
                yield batch

        def visualize(
            self,
            inputs: list,
            preds: Any,
            return_vis: bool = False,
            img_out_dir: str = "",
            opacity: float = 0.5,
            show: bool = False,
        ) -> list[np.ndarray] | None:
            if not return_vis and not img_out_dir:
                return None
            drawn = []
            for index, (item, pred) in enumerate(zip(inputs, preds)):
                img = np.load(item) if isinstance(item, str) else np.asarray(item)
                labels = pred.pred_sem_seg.data[0].numpy()
                overlay = img * (1 - opacity) + PALETTE[labels] * opacity
                if img_out_dir:
                    np.save(osp.join(img_out_dir, f"vis_{index}.npy"), overlay)
                drawn.append(overlay)
            return drawn if return_vis else None

        def postprocess(
            self,
            preds: Any,
            visualization: Any,
            return_datasample: bool = False,
            pred_out_dir: str = "",
        ) -> dict:
            if pred_out_dir:
                for index, pred in enumerate(preds):
                    np.save(osp.join(pred_out_dir, f"pred_{index}.npy"),
                            pred.pred_sem_seg.data[0].numpy())
            predictions = preds if return_datasample else [
                pred.pred_sem_seg.data[0].numpy() for pred in preds
            ]
            return {"predictions": predictions, "visualization": visualization}

    return TinySegInferencer


def write_checkpoint(path: Path, with_config: bool = True, seed: int = 0) -> dict[str, Any]:
    """Random ``TinySegmentor`` weights saved with torch (``meta.cfg`` holds the config, as a
    runner's checkpoint does); returns the state dict."""
    torch.manual_seed(seed)
    state = TinySegmentor().state_dict()
    checkpoint: dict[str, Any] = {"state_dict": state}
    if with_config:
        checkpoint["meta"] = {"cfg": CONFIG_TEXT}
    torch.save(checkpoint, path)
    return state


def expected_labels(state: dict[str, Any], img: np.ndarray) -> np.ndarray:
    """What the model with ``state`` predicts for one HWC image, computed by hand."""
    weight = state["conv.weight"][:, :, 0, 0].double().numpy()
    bias = state["conv.bias"].double().numpy()
    scores = np.einsum("hwc,kc->khw", img.astype(np.float32).astype(np.float64), weight)
    return (scores + bias[:, None, None]).argmax(0)


def write_fake_package(root: Path, name: str, checkpoint: Path, layout: str = "mim") -> Path:
    """An installed-package look-alike ``root/name`` whose configs and ``model-index.yml`` sit
    in ``.mim`` (as a wheel installs them); returns its configs folder."""
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    mim = package / ".mim"
    configs = mim / "configs"
    (configs / "tiny").mkdir(parents=True)
    (configs / "_base_").mkdir()
    (configs / "_base_" / "tiny_model.py").write_text("model = dict(type='TinySegmentor')\n")
    (configs / "tiny" / "tiny_seg_1x.py").write_text(
        "_base_ = ['../_base_/tiny_model.py']\n"
        "model = dict(num_classes=3)\n"
        "test_pipeline = [dict(type='TinyLoadArray'), dict(type='TinyPackInputs')]\n"
    )
    (configs / "tiny" / "tiny_seg_noweights.py").write_text("_base_ = ['./tiny_seg_1x.py']\n")
    (configs / "tiny" / "metafile.yml").write_text(
        "Models:\n"
        "- Name: tiny_seg_1x\n"
        "  Alias: [TinySeg, tiny-seg-alias]\n"
        "  Config: configs/tiny/tiny_seg_1x.py\n"
        f"  Weights: {checkpoint}\n"
        "- Name: tiny_seg_noweights\n"
        "  Config: configs/tiny/tiny_seg_noweights.py\n"
    )
    (mim / "model-index.yml").write_text("Import:\n- configs/tiny/metafile.yml\n")
    return configs
