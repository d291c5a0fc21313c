"""BaseTTAModel: building the wrapped model, splitting a batch into views, merging, errors."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from mmlight.model import BaseDataPreprocessor, BaseModel, BaseTTAModel, ImgDataPreprocessor
from mmlight.registry import MODELS


@MODELS.register_module(force=True)
class TTAUnitModel(BaseModel):
    """Predicts ``scale * inputs.sum()`` per sample and records every batch it tests."""

    def __init__(self, data_preprocessor: Any = None, scale: float = 1.0) -> None:
        super().__init__(data_preprocessor)
        self.scale = nn.Parameter(torch.tensor(scale))
        self.seen: list[Any] = []

    def test_step(self, data: Any) -> list:
        self.seen.append(data)
        return super().test_step(data)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        values = [float(self.scale.detach() * x.sum()) for x in inputs]
        return [dict(score=v, gt=g) for v, g in zip(values, data_samples)]


@MODELS.register_module(force=True)
class MeanTTA(BaseTTAModel):
    """Averages each sample's scores over its views; keeps what merge_preds received."""

    def merge_preds(self, data_samples_list: list) -> list:
        self.received = data_samples_list
        return [
            dict(score=sum(p["score"] for p in per) / len(per), gt=per[0]["gt"])
            for per in data_samples_list
        ]


def _two_view_batch() -> dict:
    x1, x2 = torch.tensor([1.0, 2.0]), torch.tensor([-3.0, 0.5])
    return dict(
        inputs=[[x1, x2], [3 * x1, 3 * x2]],
        data_samples=[["a", "b"], ["a", "b"]],
    )


def test_registered_and_built_from_config() -> None:
    assert MODELS.get("BaseTTAModel") is BaseTTAModel
    tta = MODELS.build(dict(type="MeanTTA", module=dict(type="TTAUnitModel", scale=2.0)))
    assert isinstance(tta, MeanTTA)
    assert isinstance(tta.module, TTAUnitModel)
    assert float(tta.module.scale.detach()) == 2.0
    # the TTA model has its own (plain) preprocessor, as every BaseModel does
    assert type(tta.data_preprocessor) is BaseDataPreprocessor


def test_module_instance_is_kept_and_data_preprocessor_ignored() -> None:
    model = TTAUnitModel()
    tta = MeanTTA(model, data_preprocessor=dict(type="ImgDataPreprocessor"))
    assert tta.module is model
    assert type(model.data_preprocessor) is BaseDataPreprocessor


def test_data_preprocessor_replaces_the_module_configs() -> None:
    module_cfg = dict(type="TTAUnitModel", data_preprocessor=dict(type="BaseDataPreprocessor"))
    pre = dict(type="ImgDataPreprocessor", mean=[1.0], std=[2.0])
    tta = MeanTTA(module_cfg, data_preprocessor=pre)
    assert isinstance(tta.module.data_preprocessor, ImgDataPreprocessor)
    assert module_cfg["data_preprocessor"] is pre  # written into the caller's dict, as mmengine


def test_module_parameters_are_the_tta_models() -> None:
    tta = MeanTTA(TTAUnitModel(scale=4.0))
    assert dict(tta.state_dict()) == {"module.scale": torch.tensor(4.0)}


def test_merge_preds_is_abstract() -> None:
    with pytest.raises(TypeError, match=r"abstract.*merge_preds"):
        BaseTTAModel(TTAUnitModel())  # type: ignore[abstract]


def test_test_step_runs_each_view_and_merges_per_sample() -> None:
    model = TTAUnitModel()
    tta = MeanTTA(model)
    batch = _two_view_batch()
    merged = tta.test_step(batch)
    seen = model.seen
    assert len(seen) == 2
    assert [list(view) for view in seen] == [["inputs", "data_samples"]] * 2
    assert all(torch.equal(a, b) for a, b in zip(seen[1]["inputs"], batch["inputs"][1]))
    assert seen[0]["data_samples"] == ["a", "b"]
    # merge_preds gets one tuple per sample, holding that sample's predictions in view order
    assert tta.received == [
        (dict(score=3.0, gt="a"), dict(score=9.0, gt="a")),
        (dict(score=-2.5, gt="b"), dict(score=-7.5, gt="b")),
    ]
    assert merged == [dict(score=6.0, gt="a"), dict(score=-5.0, gt="b")]


@pytest.mark.parametrize("container", [list, tuple])
def test_test_step_with_a_sequence_batch(container: type) -> None:
    class PairModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[Any] = []

        def test_step(self, data: Any) -> list:
            self.seen.append(data)
            inputs, samples = data
            return [(float(x), s) for x, s in zip(inputs, samples)]

    class MaxTTA(BaseTTAModel):
        def merge_preds(self, data_samples_list: list) -> list:
            return [max(per) for per in data_samples_list]

    tta = MaxTTA(PairModel())
    batch = container([[[1.0, 5.0], [2.0, 4.0], [0.0, 6.0]], [["p", "q"], ["p", "q"], ["p", "q"]]])
    assert tta.test_step(batch) == [(2.0, "p"), (6.0, "q")]
    assert tta.module.seen == [
        [[1.0, 5.0], ["p", "q"]],
        [[2.0, 4.0], ["p", "q"]],
        [[0.0, 6.0], ["p", "q"]],
    ]


def test_forward_and_val_step_raise() -> None:
    tta = MeanTTA(TTAUnitModel())
    with pytest.raises(NotImplementedError, match=r"MeanTTA.forward is not called.*test_step"):
        tta(torch.zeros(1))
    # val_step is BaseModel's, which forwards: mmengine's TTA model cannot validate either
    with pytest.raises(NotImplementedError, match=r"call test_step\(data\) instead"):
        tta.val_step(_two_view_batch())


@pytest.mark.parametrize("module", ["TTAUnitModel", 3, None])
def test_module_must_be_a_model_or_config(module: Any) -> None:
    with pytest.raises(TypeError, match=r"MeanTTA: module should be an nn.Module or a model "):
        MeanTTA(module)
    with pytest.raises(AssertionError):  # mmengine raises TypeError here; either except works
        MeanTTA(module)


def test_module_needs_test_step() -> None:
    with pytest.raises(TypeError, match=r"the wrapped model Linear has no test_step"):
        MeanTTA(nn.Linear(2, 2))
    with pytest.raises(AssertionError, match=r"implements test_step"):  # mmengine asserts
        MeanTTA(nn.Linear(2, 2))


def test_unknown_module_type_names_the_registry_choices() -> None:
    with pytest.raises(KeyError, match=r"'TTAUnitModl' is not in .*did you mean .*'TTAUnitModel'"):
        MeanTTA(dict(type="TTAUnitModl"))


@pytest.mark.parametrize(
    ("batch", "error", "message"),
    [
        (torch.zeros(2), TypeError, r"should be a dict, tuple or list.*got Tensor"),
        ({}, ValueError, r"the batch dict is empty"),
        ([], IndexError, r"the batch is an empty list"),
        (dict(inputs=3, data_samples=[1]), TypeError, r"batch\['inputs'\] should hold one entry"),
        (dict(inputs=[1, 2], data_samples=5), TypeError, r"batch\['data_samples'\] should"),
        (
            dict(inputs=[[1], [2], [3]], data_samples=[["a"], ["a"]]),
            IndexError,
            r"batch\['data_samples'\] has 2 augmented view\(s\) but the first entry has 3",
        ),
        ([[[1], [2]], [["a"]]], IndexError, r"batch\[1\] has 1 augmented view\(s\)"),
    ],
)
def test_bad_batches_say_what_is_wrong(batch: Any, error: type, message: str) -> None:
    tta = MeanTTA(TTAUnitModel())
    with pytest.raises(error, match=message):
        tta.test_step(batch)


def test_checkpoint_loading_reaches_the_wrapped_model() -> None:
    from mmlight.runner.checkpoint import load_state_dict

    model = TTAUnitModel()
    load_state_dict(MeanTTA(model), {"scale": torch.tensor(7.0)}, strict=True)
    assert float(model.scale.detach()) == 7.0
