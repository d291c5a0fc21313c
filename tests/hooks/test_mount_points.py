"""The mount-point vocabulary: one Hook method per name, mmengine's order, each documented."""

from __future__ import annotations

import inspect

import mmlight.hooks.mount_points as mount_points_module
from mmlight.hooks import MOUNT_POINTS, Hook

EXPECTED_ORDER = (
    "before_run", "after_load_checkpoint", "before_train", "before_train_epoch",
    "before_train_iter", "after_train_iter", "after_train_epoch", "before_val",
    "before_val_epoch", "before_val_iter", "after_val_iter", "after_val_epoch", "after_val",
    "before_save_checkpoint", "after_train", "before_test", "before_test_epoch",
    "before_test_iter", "after_test_iter", "after_test_epoch", "after_test", "after_run",
)  # fmt: skip


def test_twenty_two_mount_points_in_mmengine_order() -> None:
    assert MOUNT_POINTS == EXPECTED_ORDER
    assert len(set(MOUNT_POINTS)) == 22
    assert Hook.stages == MOUNT_POINTS


def test_hook_has_exactly_one_public_method_per_mount_point() -> None:
    public = {
        name
        for name, member in inspect.getmembers(Hook, inspect.isfunction)
        if not name.startswith("_")
    }
    helpers = {
        "every_n_epochs", "every_n_inner_iters", "every_n_train_iters", "end_of_epoch",
        "is_last_train_epoch", "is_last_train_iter", "get_triggered_stages",
    }  # fmt: skip
    assert public - helpers == set(MOUNT_POINTS)


def test_every_mount_point_is_documented_in_the_module() -> None:
    source = inspect.getsource(mount_points_module)
    docs = source.split("MOUNT_POINTS: tuple[str, ...] = (", 1)[1].split(")\n", 1)[1]
    for name in MOUNT_POINTS:
        assert f"``{name}" in docs, f"{name} has no entry in the MOUNT_POINTS docstring"


def test_signatures_match_mmengine() -> None:
    def params(name: str) -> list[tuple[str, object]]:
        sig = inspect.signature(getattr(Hook, name))
        return [(p.name, p.default) for p in sig.parameters.values()]

    empty = inspect.Parameter.empty
    for name in ("before_run", "after_run", "before_train", "after_train", "before_val",
                 "after_val", "before_test", "after_test", "before_train_epoch",
                 "before_val_epoch", "before_test_epoch", "after_train_epoch"):  # fmt: skip
        assert params(name) == [("self", empty), ("runner", empty)], name
    for name in ("before_save_checkpoint", "after_load_checkpoint"):
        assert params(name) == [("self", empty), ("runner", empty), ("checkpoint", empty)]
    for name in ("after_val_epoch", "after_test_epoch"):
        assert params(name) == [("self", empty), ("runner", empty), ("metrics", None)]
    for mode in ("train", "val", "test"):
        assert params(f"before_{mode}_iter") == [
            ("self", empty), ("runner", empty), ("batch_idx", empty), ("data_batch", None),
        ]  # fmt: skip
        assert params(f"after_{mode}_iter") == [
            ("self", empty), ("runner", empty), ("batch_idx", empty), ("data_batch", None),
            ("outputs", None),
        ]  # fmt: skip
