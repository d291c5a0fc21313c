"""``mmlight.hooks.hook_bases``: which objects the runner takes as hooks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mmlight.hooks import Hook
from mmlight.hooks.hook_bases import (
    add_hook_base,
    hook_base_of,
    hook_bases,
    is_hook,
    remove_hook_base,
)


class OtherBase:
    """Another package's hook base, with the same mount points."""

    priority = "NORMAL"

    def before_run(self, runner: object) -> None:
        pass


class OtherHook(OtherBase):
    def before_run(self, runner: object) -> None:
        self.ran = True


@pytest.fixture
def other_base_added() -> Iterator[None]:
    add_hook_base(OtherBase)
    yield
    remove_hook_base(OtherBase)


def test_a_base_not_added_is_no_hook() -> None:
    # (mmengine's Hook may be there: the bridge adds it once a test imported mmengine.hooks)
    assert hook_bases()[0] is Hook and OtherBase not in hook_bases()
    assert is_hook(Hook())
    assert not is_hook(OtherHook())
    assert hook_base_of(OtherHook()) is None


@pytest.mark.usefixtures("other_base_added")
def test_an_added_base_makes_its_subclasses_hooks() -> None:
    add_hook_base(OtherBase)  # twice: listed once
    assert hook_bases().count(OtherBase) == 1
    assert is_hook(OtherHook())
    assert hook_base_of(OtherHook()) is OtherBase
    assert hook_base_of(Hook()) is Hook


def test_runner_skips_what_the_added_base_leaves_as_is(
    other_base_added: None, tmp_path: object
) -> None:
    from torch import nn

    from mmlight.runner import Runner

    runner = Runner(model=nn.Linear(1, 1), work_dir=str(tmp_path), default_hooks=dict(
        checkpoint=None, logger=None, timer=None, sampler_seed=None, param_scheduler=None,
        runtime_info=None,
    ))
    hook, bare = OtherHook(), OtherBase()
    runner.register_hook(hook)
    runner.register_hook(bare)
    runner.call_hook("before_run")

    assert hook.ran
    assert runner._hooks_overriding("before_run") == [hook]
