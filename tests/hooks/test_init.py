"""The package's public names, registration in HOOKS, and priorities through get_priority."""

from __future__ import annotations

import pytest

import mmlight.hooks as hooks
from mmlight.hooks.priority import get_priority
from mmlight.registry import HOOKS

EXPECTED_PRIORITIES = {
    "RuntimeInfoHook": 10,
    "IterTimerHook": 50,
    "DistSamplerSeedHook": 50,
    "LoggerHook": 60,
    "ParamSchedulerHook": 70,
    "EarlyStoppingHook": 100,
    "EmptyCacheHook": 50,
    "SyncBuffersHook": 50,
    "CheckpointHook": 90,
    "EMAHook": 50,
    "ProfilerHook": 90,
    "NPUProfilerHook": 90,
    "PrepareTTAHook": 50,
    "NaiveVisualizationHook": 50,
    "VisualizationHook": 50,
}


def test_public_names() -> None:
    assert set(hooks.__all__) == {"Hook", "MOUNT_POINTS", "DATA_BATCH", *EXPECTED_PRIORITIES}
    for name in hooks.__all__:
        assert hasattr(hooks, name)


@pytest.mark.parametrize(("name", "priority"), EXPECTED_PRIORITIES.items())
def test_registered_with_its_priority(name: str, priority: int) -> None:
    cls = HOOKS.get(name)
    assert cls is getattr(hooks, name)
    assert get_priority(cls.priority) == priority
    assert issubclass(cls, hooks.Hook)


def test_build_from_config() -> None:
    hook = HOOKS.build(dict(type="LoggerHook", interval=5, ignore_last=False))
    assert (hook.interval, hook.ignore_last) == (5, False)
    hook = HOOKS.build(dict(type="EarlyStoppingHook", monitor="loss", patience=2))
    assert (hook.rule, hook.patience) == ("less", 2)
