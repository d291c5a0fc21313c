"""HistoryBuffer: the log of one scalar (loss, lr, time ...) and the statistics drawn from it.

Values and counts live in numpy arrays, and every statistic is computed with the same numpy
operations as mmengine's buffer, so smoothed numbers agree to the last bit. Two things differ
on purpose:

* Appending is amortised O(1): the arrays grow geometrically instead of being copied on every
  ``update`` (mmengine's ``np.append`` makes a long run quadratic in its iteration count).
  ``_log_history``/``_count_history`` are still there, as views of the filled part.
* Pickling stores plain lists (``HistoryBuffer(logs, counts, max_length)``), so a checkpoint
  needs only this class on a ``torch.load(weights_only=True)`` allow-list, not numpy's
  reconstruct helpers nor function references (see :mod:`mmlight.logging.safe_types`).
  mmengine's buffer takes the same constructor arguments, so its loader can map this class's
  name onto its own and read mmlight checkpoints too.
"""

from __future__ import annotations

import pickle
import sys
import warnings
from collections.abc import Callable, Sequence
from numbers import Integral, Number
from typing import Any, ClassVar

import numpy as np

from mmlight.logging.alloc_budget import REFUSAL_PREFIX, charge
from mmlight.logging.errors import (
    EmptyHistoryError,
    HistoryBufferArgumentError,
    StatisticsRegistrationError,
    UnknownStatisticError,
    did_you_mean,
)

__all__ = ["HistoryBuffer", "HistoryBufferStateError"]

_DEFAULT_MAX_LENGTH = 1000000
_MIN_CAPACITY = 16
# What a pickled buffer's state may set: mmengine's attributes (its __getstate__ adds the
# statistic functions it knew, which are never registered from a file).
_STATE_KEYS = frozenset({"max_length", "_log_history", "_count_history", "statistics_methods"})
_NUMBER_KINDS = "biuf"
_BUILTIN_STATISTICS = ("min", "max", "current", "mean")


class HistoryBufferStateError(pickle.UnpicklingError):
    """A buffer restored from a file with attributes it does not have, or of the wrong type."""


def _history_array(values: Any, what: str) -> np.ndarray:
    """``values`` as a 1-d numeric array, checked (and charged to the load's allocation
    budget) before numpy copies it: a list of lists, or the same long list named many times
    over, would otherwise become a huge 2-d array before its shape could be looked at."""
    torch = sys.modules.get("torch")  # a tensor can only exist once torch is imported
    if torch is not None and isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()  # as mmengine's np.array(...) takes it
    if isinstance(values, np.ndarray):
        flat, nbytes = values.ndim == 1, values.nbytes
    else:
        flat = all(
            isinstance(v, (Number, np.generic)) or (isinstance(v, np.ndarray) and v.ndim == 0)
            for v in values
        )
        nbytes = 8 * len(values)
    if not flat:
        raise HistoryBufferArgumentError(f"{what} must be a flat sequence of numbers")
    charge(nbytes, f"a HistoryBuffer {what} of {len(values)} values")
    array = np.array(values)
    if array.dtype.kind not in _NUMBER_KINDS:
        raise HistoryBufferArgumentError(
            f"{what} must hold real numbers, but got values of type {array.dtype}"
        )
    return array


class _GrowingArray:
    """A 1-d array with spare room at the end; ``view()`` is the filled part."""

    __slots__ = ("buf", "end", "start")

    def __init__(self, data: np.ndarray) -> None:
        self.buf = data
        self.start = 0
        self.end = len(data)

    def view(self) -> np.ndarray:
        return self.buf[self.start : self.end]

    def copy(self) -> _GrowingArray:
        return _GrowingArray(self.view().copy())

    def append(self, value: Any) -> None:
        incoming = np.asarray(value)
        # The dtype np.append (concatenate) would give: ints turn float on the first float.
        dtype = np.result_type(self.buf.dtype, incoming.dtype)
        if self.end == len(self.buf) or dtype != self.buf.dtype:
            filled = self.view()
            capacity = max(_MIN_CAPACITY, 2 * (len(filled) + 1))
            grown = np.empty(capacity, dtype=dtype)
            grown[: len(filled)] = filled
            self.buf, self.start, self.end = grown, 0, len(filled)
        self.buf[self.end] = incoming
        self.end += 1

    def keep_last(self, n: int) -> None:
        if self.end - self.start > n:
            self.start = self.end - n


def _check_window(window_size: Any) -> int | None:
    if window_size is None:
        return None
    if not isinstance(window_size, Integral):
        raise HistoryBufferArgumentError(
            f"window_size must be an int or None, but got {type(window_size).__name__}: "
            f"{window_size!r}"
        )
    if window_size < 0:
        raise HistoryBufferArgumentError(
            f"window_size must be >= 0 (0 or None means the whole history), but got {window_size}"
        )
    return int(window_size)


def _last(values: np.ndarray, window_size: int | None) -> np.ndarray:
    # Same slice as mmengine: a window of 0 (or None, or more than the history) is everything.
    return values if window_size is None else values[-window_size:]


class HistoryBuffer:
    """History of one logged scalar: values, their counts, and statistics over a window.

    ``count`` is how many samples a value stands for; ``mean`` weights by it.

    Example:
        >>> buf = HistoryBuffer()
        >>> buf.update(1)
        >>> buf.update(2)
        >>> float(buf.mean()), buf.statistics('max')
        (1.5, np.int64(2))
    """

    # Shared by all buffers: statistic name -> function(buffer, *args, **kwargs).
    _statistics_methods: ClassVar[dict[str, Callable[..., Any]]] = {}
    max_length: int
    _logs: _GrowingArray
    _counts: _GrowingArray

    def __new__(cls, *args: Any, **kwargs: Any) -> HistoryBuffer:
        """Every buffer is valid from birth, also one that a pickle creates without calling
        ``__init__`` or ``__setstate__`` (``NEWOBJ`` with no ``BUILD``): a file can then set
        a buffer's attributes only through those two, which check what they are given."""
        buffer = super().__new__(cls)
        buffer.max_length = _DEFAULT_MAX_LENGTH
        buffer._logs = _GrowingArray(np.array([]))
        buffer._counts = _GrowingArray(np.array([]))
        return buffer

    def __init__(
        self,
        log_history: Sequence[Any] = (),
        count_history: Sequence[Any] = (),
        max_length: int = _DEFAULT_MAX_LENGTH,
    ) -> None:
        # As mmengine: every new (or restored) buffer puts the four built-in statistics back,
        # so a cleared class-level table (tests do clear it) heals itself.
        for builtin in _BUILTIN_STATISTICS:
            HistoryBuffer._statistics_methods.setdefault(builtin, getattr(HistoryBuffer, builtin))
        if isinstance(max_length, bool) or not isinstance(max_length, Integral) or max_length < 1:
            raise HistoryBufferArgumentError(
                f"max_length must be a positive int, but got {max_length!r}"
            )
        if len(log_history) != len(count_history):
            raise HistoryBufferArgumentError(
                f"log_history and count_history must have the same length, but got "
                f"{len(log_history)} values and {len(count_history)} counts"
            )
        self.max_length = int(max_length)
        logs = _history_array(log_history, "log_history")
        counts = _history_array(count_history, "count_history")
        if len(logs) > self.max_length:
            warnings.warn(
                f"HistoryBuffer got {len(logs)} values but max_length is {self.max_length}: "
                "only the last max_length values are kept",
                stacklevel=2,
            )
            logs, counts = logs[-self.max_length :], counts[-self.max_length :]
        self._logs = _GrowingArray(logs)
        self._counts = _GrowingArray(counts)

    # -- storage ---------------------------------------------------------------------------

    @property
    def _log_history(self) -> np.ndarray:
        return self._logs.view()

    @_log_history.setter
    def _log_history(self, values: Any) -> None:
        self._logs = _GrowingArray(np.asarray(values))

    @property
    def _count_history(self) -> np.ndarray:
        return self._counts.view()

    @_count_history.setter
    def _count_history(self, counts: Any) -> None:
        self._counts = _GrowingArray(np.asarray(counts))

    @property
    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """``(values, counts)``, oldest first."""
        return self._logs.view(), self._counts.view()

    def update(self, log_val: int | float, count: int | float = 1) -> None:
        """Append one value; past ``max_length`` values, the oldest is dropped."""
        if not isinstance(log_val, (int, float)) or not isinstance(count, (int, float)):
            raise TypeError(
                "HistoryBuffer.update() takes a Python int or float value and count, but got "
                f"log_val={log_val!r} ({type(log_val).__name__}) and count={count!r} "
                f"({type(count).__name__}); call .item() on tensors and numpy numbers first"
            )
        self._logs.append(log_val)
        self._counts.append(count)
        self._logs.keep_last(self.max_length)
        self._counts.keep_last(self.max_length)

    # -- statistics ------------------------------------------------------------------------

    def mean(self, window_size: int | None = None) -> Any:
        """Count-weighted mean of the last ``window_size`` values (all when None or 0)."""
        window = _check_window(window_size)
        return _last(self._log_history, window).sum() / _last(self._count_history, window).sum()

    def max(self, window_size: int | None = None) -> Any:
        """Largest of the last ``window_size`` values (all when None or 0)."""
        return self._reduce("max", window_size)

    def min(self, window_size: int | None = None) -> Any:
        """Smallest of the last ``window_size`` values (all when None or 0)."""
        return self._reduce("min", window_size)

    def current(self) -> Any:
        """The most recent value."""
        values = self._log_history
        if len(values) == 0:
            raise EmptyHistoryError(
                "HistoryBuffer has no values yet: call update() before current()"
            )
        return values[-1]

    def _reduce(self, how: str, window_size: int | None) -> Any:
        values = _last(self._log_history, _check_window(window_size))
        if len(values) == 0:
            raise EmptyHistoryError(
                f"HistoryBuffer has no values yet: call update() before {how}()"
            )
        return values.max() if how == "max" else values.min()

    @classmethod
    def register_statistics(cls, method: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: make ``method(buffer, *args)`` callable as ``statistics(method.__name__)``."""
        name = getattr(method, "__name__", None)
        if not callable(method) or not isinstance(name, str):
            raise StatisticsRegistrationError(
                f"register_statistics needs a named function, but got {method!r}"
            )
        registered = cls._statistics_methods.get(name)
        if registered is not None and registered is not method:
            raise StatisticsRegistrationError(
                f"a statistic called {name!r} is already registered ({registered!r}); "
                "give the new function another name"
            )
        cls._statistics_methods[name] = method
        return method

    def statistics(self, method_name: str, *args: Any, **kwargs: Any) -> Any:
        """Run the registered statistic ``method_name`` on this buffer."""
        method = self._statistics_methods.get(method_name)
        if method is None:
            names = sorted(self._statistics_methods)
            raise UnknownStatisticError(
                f"{method_name!r} is not a registered HistoryBuffer statistic"
                f"{did_you_mean(str(method_name), names)}; registered: {names}. "
                "Add one with @HistoryBuffer.register_statistics"
            )
        return method(self, *args, **kwargs)

    # -- copying and pickling --------------------------------------------------------------

    def _clone(self) -> HistoryBuffer:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._logs, clone._counts = self._logs.copy(), self._counts.copy()
        return clone

    def __copy__(self) -> HistoryBuffer:
        return self._clone()

    def __deepcopy__(self, memo: dict[int, Any]) -> HistoryBuffer:
        return self._clone()

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (self._log_history.tolist(), self._count_history.tolist(), self.max_length),
        )

    def __setstate__(self, state: Any) -> None:
        """Restore a buffer pickled by mmengine (its ``__dict__`` plus statistic functions).

        Only mmengine's attributes are accepted, and they go through ``__init__``'s checks;
        anything else in the state (an injected attribute) is refused with
        :class:`HistoryBufferStateError`. Statistic functions in the state are not
        registered: the file does not choose code.
        """
        if not isinstance(state, dict):
            raise HistoryBufferStateError(
                f"{REFUSAL_PREFIX} a HistoryBuffer state must be a dict, but got "
                f"{type(state).__name__}"
            )
        injected = sorted(repr(key) for key in state if key not in _STATE_KEYS)
        if injected:
            raise HistoryBufferStateError(
                f"{REFUSAL_PREFIX} a restored HistoryBuffer may set only "
                f"{sorted(_STATE_KEYS)}, but its state also sets {', '.join(injected)}"
            )
        methods = state.get("statistics_methods")
        if methods is not None and not (
            isinstance(methods, dict) and all(isinstance(k, str) for k in methods)
        ):
            raise HistoryBufferStateError(
                f"{REFUSAL_PREFIX} a restored HistoryBuffer's statistics_methods must be a dict "
                f"of names, but got {type(methods).__name__}"
            )
        try:
            HistoryBuffer.__init__(
                self,
                state.get("_log_history", ()),
                state.get("_count_history", ()),
                state.get("max_length", _DEFAULT_MAX_LENGTH),
            )
        except (HistoryBufferArgumentError, TypeError) as error:
            raise HistoryBufferStateError(
                f"{REFUSAL_PREFIX} a restored HistoryBuffer: {error}"
            ) from None

    def __repr__(self) -> str:
        values = self._log_history
        last = f", current={values[-1]!r}" if len(values) else ""
        return f"{type(self).__name__}(len={len(values)}{last}, max_length={self.max_length})"


for _method in (HistoryBuffer.min, HistoryBuffer.max, HistoryBuffer.current, HistoryBuffer.mean):
    HistoryBuffer.register_statistics(_method)
