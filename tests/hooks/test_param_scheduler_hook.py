"""ParamSchedulerHook: which schedulers step after iterations, epochs and validations."""

from __future__ import annotations

from typing import Any

import pytest

from mmlight.hooks import ParamSchedulerHook


class Scheduler:
    """Records its step calls; ``by_epoch``/``need_val_args`` as on mmengine's schedulers."""

    def __init__(self, by_epoch: bool, need_val_args: bool = False) -> None:
        self.by_epoch = by_epoch
        if need_val_args:
            self.need_val_args = True
        self.steps: list[tuple] = []

    def step(self, *args: Any) -> None:
        self.steps.append(args)


def test_iter_and_epoch_schedulers_step_at_their_moments(make_runner) -> None:
    by_iter, by_epoch = Scheduler(False), Scheduler(True)
    runner = make_runner(param_schedulers=[by_iter, by_epoch])
    hook = ParamSchedulerHook()
    for i in range(3):
        hook.after_train_iter(runner, batch_idx=i)
    hook.after_train_epoch(runner)
    assert len(by_iter.steps) == 3
    assert by_epoch.steps == [()]


def test_dict_of_lists_for_several_optimizers(make_runner) -> None:
    gen, disc = Scheduler(False), Scheduler(True)
    runner = make_runner(param_schedulers={"generator": [gen], "discriminator": [disc]})
    hook = ParamSchedulerHook()
    hook.after_train_iter(runner, batch_idx=0)
    hook.after_train_epoch(runner)
    assert gen.steps == [()] and disc.steps == [()]


def test_plateau_schedulers_step_with_the_validation_metrics(make_runner) -> None:
    plateau, plain = Scheduler(True, need_val_args=True), Scheduler(True)
    iter_plateau = Scheduler(False, need_val_args=True)
    runner = make_runner(param_schedulers=[plateau, plain, iter_plateau])
    hook = ParamSchedulerHook()
    hook.after_val_epoch(runner, metrics={"loss": 0.3})
    assert plateau.steps == [({"loss": 0.3},)]
    assert plain.steps == [] and iter_plateau.steps == []
    hook.after_val_epoch(runner, metrics=None)  # nothing to react to
    assert len(plateau.steps) == 1


def test_none_does_nothing(make_runner) -> None:
    runner = make_runner(param_schedulers=None)
    hook = ParamSchedulerHook()
    hook.after_train_iter(runner, batch_idx=0)
    hook.after_train_epoch(runner)
    hook.after_val_epoch(runner, metrics={"acc": 1})


def test_unbuilt_scheduler_configs_are_skipped_after_validation(make_runner) -> None:
    # a val-only run leaves the schedulers as configs
    for configs in (
        dict(type="MultiStepLR", milestones=[1]),
        [dict(type="ReduceOnPlateauLR", monitor="loss")],
        {"gen": [dict(type="ReduceOnPlateauLR")], "disc": dict(type="LinearLR")},
    ):
        ParamSchedulerHook().after_val_epoch(make_runner(param_schedulers=configs), {"a": 1})


@pytest.mark.parametrize("bad", [Scheduler(False), "MultiStepLR", {"gen": Scheduler(False)}])
def test_wrong_container_is_a_type_error_naming_it(make_runner, bad: Any) -> None:
    runner = make_runner(param_schedulers=bad)
    with pytest.raises(TypeError, match=r"runner.param_schedulers should be list of ParamScheduler "
        r"or a dict containing list of ParamScheduler"):
        ParamSchedulerHook().after_train_iter(runner, batch_idx=0)
    with pytest.raises(TypeError, match=r"but got (Scheduler|str|dict)"):
        ParamSchedulerHook().after_train_epoch(runner)


def test_priority_is_low() -> None:
    assert ParamSchedulerHook.priority == "LOW"
