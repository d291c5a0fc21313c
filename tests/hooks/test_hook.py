"""Hook base class: mode forwarding, helper predicates and get_triggered_stages."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mmlight.hooks import MOUNT_POINTS, Hook


class Recorder(Hook):
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        self.calls.append(("before_epoch", mode))

    def _after_epoch(self, runner: Any, mode: str = "train") -> None:
        self.calls.append(("after_epoch", mode))

    def _before_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                     mode: str = "train") -> None:  # fmt: skip
        self.calls.append(("before_iter", mode, batch_idx, data_batch))

    def _after_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                    outputs: Any = None, mode: str = "train") -> None:  # fmt: skip
        self.calls.append(("after_iter", mode, batch_idx, data_batch, outputs))


def test_default_priority_is_normal() -> None:
    assert Hook.priority == "NORMAL"


def test_base_hook_does_nothing_at_every_mount_point() -> None:
    hook, runner = Hook(), SimpleNamespace()
    for name in MOUNT_POINTS:
        if name.endswith("_iter"):
            assert getattr(hook, name)(runner, batch_idx=0) is None
        elif "checkpoint" in name:
            assert getattr(hook, name)(runner, checkpoint={}) is None
        else:
            assert getattr(hook, name)(runner) is None


def test_epoch_and_iter_mount_points_forward_with_their_mode() -> None:
    hook, runner = Recorder(), SimpleNamespace()
    for mode in ("train", "val", "test"):
        getattr(hook, f"before_{mode}_epoch")(runner)
        getattr(hook, f"before_{mode}_iter")(runner, batch_idx=3, data_batch={"x": 1})
        getattr(hook, f"after_{mode}_iter")(runner, batch_idx=3, data_batch=[1], outputs={"o": 2})
    hook.after_train_epoch(runner)
    hook.after_val_epoch(runner, metrics={"acc": 1.0})
    hook.after_test_epoch(runner)
    assert hook.calls == [
        ("before_epoch", "train"),
        ("before_iter", "train", 3, {"x": 1}),
        ("after_iter", "train", 3, [1], {"o": 2}),
        ("before_epoch", "val"),
        ("before_iter", "val", 3, {"x": 1}),
        ("after_iter", "val", 3, [1], {"o": 2}),
        ("before_epoch", "test"),
        ("before_iter", "test", 3, {"x": 1}),
        ("after_iter", "test", 3, [1], {"o": 2}),
        ("after_epoch", "train"),
        ("after_epoch", "val"),
        ("after_epoch", "test"),
    ]


@pytest.mark.parametrize(
    ("epoch", "n", "start", "expected"),
    [(0, 1, 0, True), (1, 2, 0, True), (2, 2, 0, False), (3, 2, 2, True), (0, 2, 2, False),
     (5, 0, 0, False), (5, -2, 0, False)],
)  # fmt: skip
def test_every_n_epochs(epoch: int, n: int, start: int, expected: bool) -> None:
    assert Hook().every_n_epochs(SimpleNamespace(epoch=epoch), n, start) is expected


@pytest.mark.parametrize(
    ("it", "n", "start", "expected"),
    [(9, 10, 0, True), (10, 10, 0, False), (14, 10, 5, True), (3, 10, 5, False),
     (4, 0, 0, False)],
)  # fmt: skip
def test_every_n_train_iters(it: int, n: int, start: int, expected: bool) -> None:
    assert Hook().every_n_train_iters(SimpleNamespace(iter=it), n, start) is expected


def test_every_n_inner_iters_and_end_of_epoch() -> None:
    hook = Hook()
    assert [hook.every_n_inner_iters(i, 3) for i in range(6)] == [False, False, True] * 2
    assert hook.every_n_inner_iters(5, 0) is False
    loader = list(range(4))
    assert [hook.end_of_epoch(loader, i) for i in range(4)] == [False, False, False, True]


def test_last_epoch_and_last_iter() -> None:
    hook = Hook()
    assert hook.is_last_train_epoch(SimpleNamespace(epoch=2, max_epochs=3))
    assert not hook.is_last_train_epoch(SimpleNamespace(epoch=1, max_epochs=3))
    assert hook.is_last_train_iter(SimpleNamespace(iter=99, max_iters=100))
    assert not hook.is_last_train_iter(SimpleNamespace(iter=98, max_iters=100))


def test_triggered_stages_of_base_hook_is_empty() -> None:
    assert Hook().get_triggered_stages() == []


def test_triggered_stages_expand_generic_methods_to_all_modes() -> None:
    class OnlyAfterIter(Hook):
        def _after_iter(self, *args: Any, **kwargs: Any) -> None:
            pass

        def before_run(self, runner: Any) -> None:
            pass

    assert OnlyAfterIter().get_triggered_stages() == [
        "before_run", "after_train_iter", "after_val_iter", "after_test_iter",
    ]  # fmt: skip


def test_triggered_stages_see_inherited_overrides() -> None:
    class Base(Hook):
        def after_val_epoch(self, runner: Any, metrics: Any = None) -> None:
            pass

    class Child(Base):
        def _before_epoch(self, runner: Any, mode: str = "train") -> None:
            pass

    assert Child().get_triggered_stages() == [
        "before_train_epoch", "before_val_epoch", "after_val_epoch", "before_test_epoch",
    ]  # fmt: skip
