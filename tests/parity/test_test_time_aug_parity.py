"""The same test-time-augmentation scenario under mmengine's and mmlight's ``BaseTTAModel``.

Each sample is seen through two flips; a TTA model averages the wrapped model's class scores
over them. Merged outputs, the shape of what ``merge_preds`` receives, the weights, the errors
and the test metrics of a whole ``Runner.test()`` through ``build_runner_with_tta`` must agree.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

mmengine = pytest.importorskip("mmengine")


def _library(name: str) -> dict[str, Any]:
    """A flip-sensitive classifier, an averaging TTA model, a dataset and a metric, defined on
    ``name``'s base classes and registered in its registries."""
    if name == "mmengine":
        from mmengine.config import Config
        from mmengine.evaluator import BaseMetric
        from mmengine.hooks.test_time_aug_hook import build_runner_with_tta
        from mmengine.model import BaseModel, BaseTTAModel
        from mmengine.registry import DATASETS, METRICS, MODELS
    else:
        from mmlight.config import Config
        from mmlight.evaluator import BaseMetric
        from mmlight.hooks.prepare_tta_hook import build_runner_with_tta
        from mmlight.model import BaseModel, BaseTTAModel
        from mmlight.registry import DATASETS, METRICS, MODELS

    @MODELS.register_module(name="TTAParityConvNet", force=True)
    class ConvNet(BaseModel):
        """Class scores of an image; a 3x3 conv and amax pooling make them flip-sensitive."""

        def __init__(self, data_preprocessor: Any = None) -> None:
            super().__init__(data_preprocessor=data_preprocessor)
            self.conv = nn.Conv2d(3, 4, 3)
            self.fc = nn.Linear(4, 3)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            if isinstance(inputs, list):
                inputs = torch.stack(inputs).float()
            scores = self.fc(self.conv(inputs).amax((2, 3))).softmax(-1)
            if mode == "predict":
                return [dict(scores=s, gt=d["gt"]) for s, d in zip(scores, data_samples)]
            return scores

    @MODELS.register_module(name="TTAParityLinear", force=True)
    class Linear(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            scores = self.fc(torch.stack(inputs)).softmax(-1)
            return [dict(scores=s, gt=g) for s, g in zip(scores, data_samples)]

    @MODELS.register_module(name="TTAParityMean", force=True)
    class MeanScores(BaseTTAModel):
        def merge_preds(self, data_samples_list: Any) -> list:
            return [
                dict(
                    scores=torch.stack([p["scores"] for p in per]).mean(0),
                    gt=per[0]["gt"],
                    views=len(per),
                    container=type(per).__name__,
                )
                for per in data_samples_list
            ]

    @DATASETS.register_module(name="TTAParityPoints", force=True)
    class Points(Dataset):
        """Seven 4-D points; with the 'TwoFlips' pipeline each carries [x, x reversed]."""

        def __init__(self, pipeline: list) -> None:
            generator = torch.Generator().manual_seed(5)
            self.points = torch.randn(7, 4, generator=generator)
            self.flips = [step["type"] for step in pipeline] == ["TwoFlips"]

        def __len__(self) -> int:
            return len(self.points)

        def __getitem__(self, index: int) -> dict:
            x, gt = self.points[index], index % 3
            if self.flips:
                return dict(inputs=[x, x.flip(0)], data_samples=[gt, gt])
            return dict(inputs=x, data_samples=gt)

    @METRICS.register_module(name="TTAParityMetric", force=True)
    class Metric(BaseMetric):
        default_prefix = "tta"

        def process(self, data_batch: Any, data_samples: Any) -> None:
            for sample in data_samples:
                scores = sample["scores"]
                hit = int(scores.argmax()) == sample["gt"]
                self.results.append((float(scores.max()), hit, sample.get("views", 1)))

        def compute_metrics(self, results: list) -> dict:
            return dict(
                confidence=sum(r[0] for r in results) / len(results),
                accuracy=sum(r[1] for r in results) / len(results),
                views=max(r[2] for r in results),
            )

    return dict(
        BaseTTAModel=BaseTTAModel,
        Config=Config,
        MeanScores=MeanScores,
        MODELS=MODELS,
        build_runner_with_tta=build_runner_with_tta,
    )


LIBS = ("mmengine", "mmlight")


def _flipped_batch(sizes: tuple = ((3, 5, 7), (3, 6, 6), (3, 5, 7))) -> dict:
    """Three images, seen flipped left-right and flipped upside down."""
    generator = torch.Generator().manual_seed(0)
    images = [torch.randint(0, 256, size, generator=generator, dtype=torch.uint8) for size in sizes]
    samples = [dict(gt=0), dict(gt=2), dict(gt=1)]
    return dict(
        inputs=[[img.flip(-1) for img in images], [img.flip(-2) for img in images]],
        data_samples=[list(samples), list(samples)],
    )


def _tta_model(name: str, with_preprocessor: bool) -> Any:
    lib = _library(name)
    cfg: dict = dict(type="TTAParityMean", module=dict(type="TTAParityConvNet"))
    if with_preprocessor:
        cfg["data_preprocessor"] = dict(
            type="ImgDataPreprocessor",
            mean=[100.0, 120.0, 110.0],
            std=[50.0, 60.0, 55.0],
            bgr_to_rgb=True,
            pad_size_divisor=4,
        )
    torch.manual_seed(0)
    return lib["MODELS"].build(cfg)


def _assert_same(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    else:
        assert a == b


def test_flip_tta_with_an_image_preprocessor_gives_the_same_predictions() -> None:
    models = {name: _tta_model(name, with_preprocessor=True) for name in LIBS}
    preds = {name: model.test_step(_flipped_batch()) for name, model in models.items()}
    assert len(preds["mmlight"]) == 3
    for ours, theirs in zip(preds["mmlight"], preds["mmengine"]):
        _assert_same(ours, theirs)
    assert preds["mmlight"][0]["views"] == 2
    assert preds["mmlight"][0]["container"] == "tuple"
    mm_state, ml_state = (models[n].state_dict() for n in LIBS)
    assert list(mm_state) == list(ml_state)
    assert type(models["mmlight"].module.data_preprocessor).__name__ == "ImgDataPreprocessor"
    for key in mm_state:
        assert torch.equal(mm_state[key], ml_state[key]), key


def test_flip_tta_on_a_tuple_batch_gives_the_same_predictions() -> None:
    batch = _flipped_batch(sizes=((3, 6, 6),) * 3)  # no preprocessor to pad: equal sizes
    images = [[img.float() for img in view] for view in batch["inputs"]]
    tuple_batch = (images, batch["data_samples"])
    preds = [_tta_model(name, with_preprocessor=False).test_step(tuple_batch) for name in LIBS]
    for ours, theirs in zip(preds[1], preds[0]):
        _assert_same(ours, theirs)


def test_same_errors() -> None:
    for name in LIBS:
        lib = _library(name)
        model = _tta_model(name, with_preprocessor=False)
        with pytest.raises(NotImplementedError):
            model(torch.zeros(1))
        with pytest.raises(NotImplementedError):  # val_step forwards, which a TTA model refuses
            model.val_step(_flipped_batch())
        with pytest.raises(TypeError):
            model.test_step(torch.zeros(2))
        with pytest.raises(TypeError):
            lib["MeanScores"](3)
        with pytest.raises(AssertionError):
            lib["MeanScores"](nn.Linear(2, 2))
        with pytest.raises(TypeError, match="abstract"):
            lib["BaseTTAModel"](nn.Linear(2, 2))


def _run_test(tmp_path: Any, name: str) -> tuple[dict, str]:
    lib = _library(name)
    cfg = lib["Config"](
        dict(
            model=dict(type="TTAParityLinear"),
            work_dir=str(tmp_path / name),
            test_dataloader=dict(
                dataset=dict(type="TTAParityPoints", pipeline=[dict(type="Plain")]),
                sampler=dict(type="DefaultSampler", shuffle=False),
                batch_size=3,
                num_workers=0,
                collate_fn=dict(type="pseudo_collate"),
            ),
            test_cfg=dict(),
            test_evaluator=dict(type="TTAParityMetric"),
            default_hooks=dict(checkpoint=None, logger=None),
            randomness=dict(seed=11),
            experiment_name=f"tta_parity_{name}",
            tta_model=dict(type="TTAParityMean"),
            tta_pipeline=[dict(type="TwoFlips")],
        )
    )
    runner = lib["build_runner_with_tta"](copy.deepcopy(cfg))
    metrics = runner.test()
    return dict(metrics), type(runner.model).__name__


def test_runner_test_through_build_runner_with_tta_matches(tmp_path: Any) -> None:
    expected, expected_model = _run_test(tmp_path, "mmengine")
    actual, actual_model = _run_test(tmp_path, "mmlight")
    assert expected_model == actual_model == "MeanScores"
    assert actual["tta/views"] == 2
    assert actual == pytest.approx(expected, abs=1e-6)
