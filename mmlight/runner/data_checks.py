"""Refuse a dataloader that yields no batch before a stage starts.

With an empty dataset, or ``drop_last=True`` and a batch larger than the dataset, MMEngine's
epoch loop "trains" zero iterations per epoch and its iteration loop waits forever for a
batch; a validation over nothing computes a metric over nothing (``BaseMetric`` warns and the
metric usually divides by zero). mmlight refuses such a loader when its loop is built - for
training in ``Runner.train()``, for validation whenever the val loop runs (in ``train()`` if
configured, or ``val()``), for testing in ``test()`` - with a
:class:`~mmlight.config.errors.ConfigValueError` (exit 2 in the CLIs) naming the loader's key
and the numbers that make it empty.

Loaders without a length (an ``IterableDataset``) are not checked, nor is a non-empty dataset
behind an ``InfiniteSampler``: its batches wrap around the dataset, so even ``drop_last=True``
with a batch larger than the dataset trains (in MMEngine too), although ``len()`` says 0.
"""

from __future__ import annotations

from typing import Any

from mmlight.runner.config_checks import InvalidValueError

__all__ = ["EmptyDataloaderError", "require_batches"]


class EmptyDataloaderError(InvalidValueError):
    """A stage's dataloader yields no batch."""


def _length(obj: Any) -> int | None:
    try:
        return len(obj)
    except Exception:  # no __len__, or a lazy dataset that cannot tell
        return None


def _batching(dataloader: Any) -> tuple[Any, Any]:
    """``(batch_size, drop_last)`` of a DataLoader, or of its batch sampler."""
    batch_sampler = getattr(dataloader, "batch_sampler", None)
    batch_size = getattr(dataloader, "batch_size", None)
    if batch_size is None:
        batch_size = getattr(batch_sampler, "batch_size", None)
    drop_last = getattr(batch_sampler, "drop_last", getattr(dataloader, "drop_last", None))
    return batch_size, drop_last


def _endless(dataloader: Any) -> bool:
    """Whether the loader samples with an InfiniteSampler (mmlight's, mmengine's or a subclass)."""
    batch_sampler = getattr(dataloader, "batch_sampler", None)
    sampler = getattr(batch_sampler, "sampler", getattr(dataloader, "sampler", None))
    return any(cls.__name__ == "InfiniteSampler" for cls in type(sampler).__mro__)


def require_batches(dataloader: Any, key: str, world_size: int = 1) -> None:
    """Raise EmptyDataloaderError if ``dataloader`` (the config's ``key``) has no batch."""
    batches = _length(dataloader)
    if batches is None or batches > 0:
        return
    dataset = getattr(dataloader, "dataset", None)
    size = _length(dataset)
    if size and _endless(dataloader):
        return  # batches wrap around the dataset: one always comes
    batch_size, drop_last = _batching(dataloader)
    name = type(dataset).__name__ if dataset is not None else "dataset"
    numbers = f"dataset length {size}, batch_size {batch_size}, drop_last={drop_last}"
    per_process = size
    if world_size > 1:
        # The sampler shards the dataset: what one process sees decides its batches.
        sampler = getattr(getattr(dataloader, "batch_sampler", None), "sampler", None)
        per_process = _length(sampler) if sampler is not None else None
        share = f"{per_process} samples" if per_process is not None else "its share"
        numbers += f", {world_size} processes, this one with {share}"
    if size == 0:
        fix = (
            f"the dataset ({name}) is empty: check {key}.dataset (data_root, ann_file, "
            "filters)"
        )
    elif drop_last:
        most = f" of at most {per_process}" if per_process else " no larger than the data"
        fix = (
            f"drop_last=True drops the only, incomplete batch: use a batch_size{most} or set "
            f"{key}.drop_last=False"
        )
    else:
        fix = f"the sampler of {key} yields no sample: check {key}.sampler"
    raise EmptyDataloaderError(
        f"{key} yields no batch ({numbers} -> {batches} batches), so the stage would run "
        f"nothing; {fix}"
    )
