"""Wall-clock timing of code blocks (mmengine.utils.timer)."""

from __future__ import annotations

from time import time
from types import TracebackType

__all__ = ["Timer", "TimerError", "check_time"]


class TimerError(Exception):
    """A reading was asked of a timer that is not running."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class Timer:
    """Seconds since start and since the last reading.

    As a context manager it (re)starts on entry and prints the time since the last reading
    with ``print_tmpl`` (default ``'{:.3f}'``) on exit, then stops.
    """

    def __init__(self, start: bool = True, print_tmpl: str | None = None) -> None:
        self._is_running = False
        self.print_tmpl = print_tmpl or "{:.3f}"
        if start:
            self.start()

    @property
    def is_running(self) -> bool:
        """Whether the timer has been started and not stopped by leaving a ``with`` block."""
        return self._is_running

    def __enter__(self) -> Timer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        print(self.print_tmpl.format(self.since_last_check()))
        self._is_running = False

    def start(self) -> None:
        """Start (a running timer keeps its start) and mark now as the last reading."""
        if not self._is_running:
            self._t_start = time()
            self._is_running = True
        self._t_last = time()

    def since_start(self) -> float:
        """Seconds since the start; also counts as a reading."""
        if not self._is_running:
            raise TimerError("timer is not running")
        self._t_last = time()
        return self._t_last - self._t_start

    def since_last_check(self) -> float:
        """Seconds since the last reading (or the start)."""
        if not self._is_running:
            raise TimerError("timer is not running")
        elapsed = time() - self._t_last
        self._t_last = time()
        return elapsed


_timers: dict[object, Timer] = {}


def check_time(timer_id: object) -> float:
    """Seconds since the previous call with the same ``timer_id``; 0 on the first call."""
    timer = _timers.get(timer_id)
    if timer is None:
        _timers[timer_id] = Timer()
        return 0
    return timer.since_last_check()
