"""PrepareTTAHook and build_runner_with_tta: the test loop runs the TTA model."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from mmlight.config import Config
from mmlight.evaluator import BaseMetric
from mmlight.hooks import PrepareTTAHook
from mmlight.hooks.prepare_tta_hook import build_runner_with_tta
from mmlight.model import BaseModel, BaseTTAModel
from mmlight.registry import DATASETS, HOOKS, METRICS, MODELS


@MODELS.register_module(force=True)
class TTASignModel(BaseModel):
    """Predicts the sign of the input's first value."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        values = torch.stack(inputs)[:, 0] * self.scale.detach()
        return [dict(score=float(v), gt=g) for v, g in zip(values, data_samples)]


@MODELS.register_module(force=True)
class TTAMeanModel(BaseTTAModel):
    """Averages each sample's scores over its augmented views (times ``weight``)."""

    def __init__(self, module: nn.Module, weight: float = 1.0) -> None:
        super().__init__(module)
        self.weight = weight

    def merge_preds(self, data_samples_list: list) -> list:
        return [
            dict(
                score=self.weight * sum(p["score"] for p in per) / len(per),
                gt=per[0]["gt"],
                views=len(per),
            )
            for per in data_samples_list
        ]


@DATASETS.register_module(force=True)
class TTAToyDataset(Dataset):
    """Four points; with the 'two_views' pipeline each sample carries [x, 3x] as its inputs."""

    def __init__(self, pipeline: list | None = None) -> None:
        self.points = torch.tensor([[1.0, 0.0], [-2.0, 1.0], [3.0, 0.5], [-1.0, 2.0]])
        self.two_views = pipeline == [dict(type="TwoViews")]

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        x = self.points[index]
        gt = int(x[0] > 0)
        if self.two_views:
            return dict(inputs=[x, 3 * x], data_samples=[gt, gt])
        return dict(inputs=x, data_samples=gt)


@METRICS.register_module(force=True)
class TTAScoreMetric(BaseMetric):
    default_prefix = "tta"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend((s["score"], s.get("views", 1)) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(score=sum(s for s, _ in results), views=max(v for _, v in results))


def _cfg(tmp_path: Any, **extra: Any) -> Config:
    return Config(
        dict(
            model=dict(type="TTASignModel"),
            work_dir=str(tmp_path / "work"),
            test_dataloader=dict(
                dataset=dict(type="TTAToyDataset", pipeline=[dict(type="Plain")]),
                sampler=dict(type="DefaultSampler", shuffle=False),
                batch_size=2,
                collate_fn=dict(type="pseudo_collate"),
            ),
            test_cfg=dict(),
            test_evaluator=dict(type="TTAScoreMetric"),
            default_hooks=dict(checkpoint=None, logger=None),
            **extra,
        )
    )


def test_registered() -> None:
    hook = HOOKS.build(dict(type="PrepareTTAHook", tta_cfg=dict(type="TTAMeanModel")))
    assert isinstance(hook, PrepareTTAHook)
    assert hook.priority == "NORMAL"


def test_before_test_wraps_the_runner_model(make_runner: Any) -> None:
    model = TTASignModel()
    runner = make_runner(model=model)
    tta_cfg = dict(type="TTAMeanModel", weight=2.0)
    PrepareTTAHook(tta_cfg).before_test(runner)
    assert isinstance(runner.model, TTAMeanModel)
    assert runner.model.module is model
    assert runner.model.weight == 2.0
    assert tta_cfg["module"] is model  # mmengine fills the config in place too


def test_tta_cfg_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match=r"tta_cfg must be the config dict of a TTA model"):
        PrepareTTAHook("TTAMeanModel")  # type: ignore[arg-type]


def test_build_runner_with_tta_tests_with_the_tta_model(tmp_path: Any) -> None:
    plain = build_runner_with_tta(
        _cfg(tmp_path, tta_model=dict(type="TTAMeanModel"), tta_pipeline=[dict(type="TwoViews")])
    )
    assert any(isinstance(h, PrepareTTAHook) for h in plain.hooks)
    metrics = plain.test()
    # Mean of x0 and 3*x0 is 2*x0: 2 * (1 - 2 + 3 - 1) = 2; two views per sample.
    assert metrics == {"tta/score": pytest.approx(2.0), "tta/views": 2}
    assert isinstance(plain.model, TTAMeanModel)


def test_build_runner_with_tta_needs_both_keys(tmp_path: Any) -> None:
    with pytest.raises(KeyError, match=r"the config has no 'tta_model' or 'tta_pipeline'"):
        build_runner_with_tta(_cfg(tmp_path))
    with pytest.raises(AssertionError, match=r"no 'tta_pipeline'; define tta_model"):
        build_runner_with_tta(_cfg(tmp_path, tta_model=dict(type="TTAMeanModel")))
