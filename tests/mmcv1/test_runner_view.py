"""RunnerView answers MMCV 1.x's runner API from an MMEngine-style runner (unit level)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import torch

from mmlight.mmcv1.model_adapter import MMCV1ModelAdapter
from mmlight.mmcv1.runner_view import RunnerView, is_iter_based
from mmlight.registry import MODELS
from tests.mmcv1.data.legacy_run import LegacyNet


class _Wrapper:
    def __init__(self, optimizer: Any) -> None:
        self.optimizer = optimizer


def _runner(**kwargs: Any) -> SimpleNamespace:
    defaults: dict[str, Any] = dict(
        epoch=1, iter=9, max_epochs=3, max_iters=12, hooks=[], work_dir="wd", logger=None,
        rank=0, world_size=1, model=torch.nn.Linear(1, 1), _train_loop=None,
    )  # fmt: skip
    defaults.update(kwargs)
    return SimpleNamespace(**defaults)


def test_lr_and_momentum_of_one_and_several_optimizers() -> None:
    p, q = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    groups: list[dict[str, Any]] = [{"params": [p]}, {"params": [q], "lr": 0.05}]
    sgd = torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    view = RunnerView(_runner(optim_wrapper=_Wrapper(sgd)))
    assert view.current_lr() == [0.1, 0.05]
    assert view.current_momentum() == [0.9, 0.9]
    adam = torch.optim.Adam([p], lr=0.001, betas=(0.8, 0.99))
    rmsprop = torch.optim.Adagrad([q], lr=0.01)  # no momentum at all -> 0
    several = SimpleNamespace(optim_wrappers=dict(gen=_Wrapper(adam), disc=_Wrapper(rmsprop)))
    view = RunnerView(_runner(optim_wrapper=several))
    assert view.optimizer == dict(gen=adam, disc=rmsprop)
    assert view.current_lr() == dict(gen=[0.001], disc=[0.01])
    assert view.current_momentum() == dict(gen=[0.8], disc=[0])


def test_no_optimizer_is_mmcv1s_error() -> None:
    view = RunnerView(_runner(optim_wrapper=None))
    with pytest.raises(RuntimeError, match="lr is not applicable because optimizer does not"):
        view.current_lr()


def test_progress_private_names_and_passthrough() -> None:
    view = RunnerView(_runner(timestamp="20260101_000000"))
    assert (view.epoch, view.iter, view.max_epochs, view.max_iters) == (1, 9, 3, 12)
    assert (view._epoch, view._iter, view._max_epochs, view._max_iters) == (1, 9, 3, 12)
    assert view.mode is None and view.inner_iter == 0 and view._inner_iter == 0
    assert view.timestamp == "20260101_000000"  # not the view's: the runner's
    view.meta["hook_msgs"]["best"] = 1
    assert view.meta == {"hook_msgs": {"best": 1}}
    with pytest.raises(AttributeError):
        view.no_such_attribute  # noqa: B018


def test_iter_based_detection() -> None:
    assert not is_iter_based(_runner())
    assert is_iter_based(_runner(_train_loop=dict(type="IterBasedTrainLoop", max_iters=3)))
    assert is_iter_based(_runner(_train_loop=dict(by_epoch=False, max_iters=3)))
    assert not is_iter_based(_runner(_train_loop=dict(type="EpochBasedTrainLoop")))
    view = RunnerView(_runner(_train_loop=dict(by_epoch=False, max_iters=3)))
    assert view.max_epochs is None  # IterBasedRunner had none


def test_model_is_the_legacy_model() -> None:
    legacy = LegacyNet()
    view = RunnerView(_runner(model=MMCV1ModelAdapter(legacy), hooks=[]))
    assert view.model is legacy and view.model_name == "LegacyNet"


def test_config_may_name_the_adapter() -> None:
    name = "LegacyNetForViewTest"
    MODELS.register_module(name=name, module=LegacyNet, force=True)
    model = MODELS.build(dict(type="MMCV1ModelAdapter", model=dict(type=name)))
    assert isinstance(model, MMCV1ModelAdapter) and isinstance(model.legacy_model, LegacyNet)
