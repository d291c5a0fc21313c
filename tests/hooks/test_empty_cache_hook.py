"""EmptyCacheHook: empties the CUDA cache exactly where it was asked to."""

from __future__ import annotations

import pytest
import torch

import mmlight.hooks.empty_cache_hook as empty_cache_module
from mmlight.hooks import EmptyCacheHook


@pytest.fixture
def empties(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the hook's cache releases (the real release is checked on a GPU below)."""
    calls: list[int] = []
    monkeypatch.setattr(empty_cache_module, "_empty_cache", lambda: calls.append(1))
    return calls


def _run_all_mount_points(hook: EmptyCacheHook, runner) -> None:
    for mode in ("train", "val", "test"):
        getattr(hook, f"before_{mode}_epoch")(runner)
        getattr(hook, f"before_{mode}_iter")(runner, batch_idx=0)
        getattr(hook, f"after_{mode}_iter")(runner, batch_idx=0)
        getattr(hook, f"after_{mode}_epoch")(runner)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, 3),  # after each train, val and test epoch
        (dict(before_epoch=True), 6),
        (dict(after_epoch=False), 0),
        (dict(after_epoch=False, after_iter=True), 3),
        (dict(before_epoch=True, after_iter=True), 9),
    ],
)
def test_calls(make_runner, empties: list[int], kwargs: dict, expected: int) -> None:
    _run_all_mount_points(EmptyCacheHook(**kwargs), make_runner())
    assert len(empties) == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only path")
def test_without_cuda_the_release_is_a_no_op(make_runner) -> None:
    _run_all_mount_points(EmptyCacheHook(before_epoch=True, after_iter=True), make_runner())
    assert not torch.cuda.is_initialized()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_releases_cached_memory_on_a_real_gpu(make_runner) -> None:
    block = torch.empty(64 * 1024 * 1024, dtype=torch.uint8, device="cuda")
    del block
    reserved = torch.cuda.memory_reserved()
    assert reserved > 0
    EmptyCacheHook().after_train_epoch(make_runner())
    assert torch.cuda.memory_reserved() < reserved


def test_priority_is_normal() -> None:
    assert EmptyCacheHook.priority == "NORMAL"
