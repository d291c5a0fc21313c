"""How much memory a file being loaded may make the loader allocate.

A pickle can ask numpy for an array of any shape in a few bytes (``ndarray((10**11,))``), and
shared references let a small file name the same list many times over. So everything that
builds arrays from a file's data (the allow-listed numpy constructors in
:mod:`mmlight.logging.safe_types`, :class:`~mmlight.logging.HistoryBuffer`, and
:func:`mmlight.runner.safe_checkpoint.decode_safe`) first charges what it is about to allocate
to the budget of the load in progress. A checkpoint load sets one budget for the whole file
(:func:`allocation_budget` with :func:`limit_for_size`): real data cannot be much larger than
the bytes that hold it, however many objects it is spread over. Outside a load each object is
capped at :data:`DEFAULT_OBJECT_LIMIT`.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = [
    "DEFAULT_OBJECT_LIMIT",
    "REFUSAL_PREFIX",
    "SIZE_FACTOR",
    "SIZE_SLACK",
    "AllocationRefusedError",
    "allocation_budget",
    "charge",
    "limit_for_size",
]

# Data in a file may expand this much once loaded (int8 values listed in a pickle become
# int64, repeated values are memoised, a buffer's history is copied once) ...
SIZE_FACTOR = 16
# ... plus this much, so that the small arrays of small files never count.
SIZE_SLACK = 4 << 20
DEFAULT_OBJECT_LIMIT = 1 << 30
# Starts every refusal of a file's data, so that a loader can tell it apart once torch has
# re-wrapped it into its own UnpicklingError.
REFUSAL_PREFIX = "mmlight refused the file's data:"


class AllocationRefusedError(pickle.UnpicklingError):
    """An object in a file asks for more memory than the file's size can justify."""


@dataclass
class _Budget:
    limit: int
    source: str
    used: int = 0


_current: ContextVar[_Budget | None] = ContextVar("mmlight_alloc_budget", default=None)


def limit_for_size(file_size: int) -> int:
    """Bytes a file of ``file_size`` bytes may make the loader allocate in all."""
    return SIZE_FACTOR * max(0, int(file_size)) + SIZE_SLACK


@contextmanager
def allocation_budget(limit: int, source: str) -> Iterator[None]:
    """Charge what is allocated from ``source``'s data (e.g. ``'a file of 120 bytes'``)
    while the block runs against ``limit`` bytes in all."""
    token = _current.set(_Budget(limit=limit, source=source))
    try:
        yield
    finally:
        _current.reset(token)


def charge(nbytes: int, what: str) -> None:
    """Count ``nbytes`` for ``what`` (e.g. ``'a numpy array of shape (3,) and dtype float64'``)
    against the current budget; raise :class:`AllocationRefusedError` instead of exceeding it."""
    budget = _current.get()
    if budget is None:
        if nbytes > DEFAULT_OBJECT_LIMIT:
            raise AllocationRefusedError(
                f"{REFUSAL_PREFIX} {what} would take {nbytes} bytes, more than the "
                f"{DEFAULT_OBJECT_LIMIT} bytes one object read from a file may take outside a "
                "checkpoint load (wrap the load in mmlight.logging.alloc_budget."
                "allocation_budget to allow more)"
            )
        return
    if budget.used + nbytes > budget.limit:
        taken = f" (with {budget.used} bytes already taken)" if budget.used else ""
        raise AllocationRefusedError(
            f"{REFUSAL_PREFIX} {what} would take {nbytes} bytes{taken}, more than the "
            f"{budget.limit} bytes allowed for {budget.source} ({SIZE_FACTOR} x its size + "
            f"{SIZE_SLACK >> 20} MiB): it is damaged or crafted"
        )
    budget.used += nbytes
