"""Text progress bars for loops and process pools (mmengine.utils.progressbar).

The bar's text is mmengine's character for character, since downstream tests and log
scrapers read it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from shutil import get_terminal_size
from typing import TYPE_CHECKING, Any, TextIO

from mmlight.utils.timer import Timer

if TYPE_CHECKING:
    from multiprocessing.pool import Pool as PoolType

__all__ = [
    "ProgressBar",
    "init_pool",
    "track_iter_progress",
    "track_parallel_progress",
    "track_progress",
]


class ProgressBar:
    """A one-line bar redrawn with ``\\r``, or a plain counter when the total is unknown (0).

    ``file`` defaults to the ``sys.stdout`` of the moment the bar is made (mmengine binds the
    one of import time), so redirected or captured output receives it.
    """

    def __init__(
        self,
        task_num: int = 0,
        bar_width: int = 50,
        start: bool = True,
        file: TextIO | None = None,
    ) -> None:
        self.task_num = task_num
        self.bar_width = bar_width
        self.completed = 0
        self.file: TextIO = sys.stdout if file is None else file
        if start:
            self.start()

    @property
    def terminal_width(self) -> int:
        """Columns of the terminal (``COLUMNS`` when set), which caps the bar's width."""
        return get_terminal_size().columns

    def start(self) -> None:
        """Draw the empty bar and start the clock."""
        if self.task_num > 0:
            self.file.write(f"[{' ' * self.bar_width}] 0/{self.task_num}, elapsed: 0s, ETA:")
        else:
            self.file.write("completed: 0, elapsed: 0s")
        self.file.flush()
        self.timer = Timer()

    def update(self, num_tasks: int = 1) -> None:
        """Count ``num_tasks`` more as done and redraw."""
        if num_tasks <= 0:
            raise AssertionError(f"num_tasks must be positive, but got {num_tasks}")
        self.completed += num_tasks
        elapsed = self.timer.since_start()
        fps = self.completed / elapsed if elapsed > 0 else float("inf")
        if self.task_num > 0:
            done = self.completed / float(self.task_num)
            eta = int(elapsed * (1 - done) / done + 0.5)
            template = (
                f"\r[{{}}] {self.completed}/{self.task_num}, {fps:.1f} task/s, "
                f"elapsed: {int(elapsed + 0.5)}s, ETA: {eta:5}s"
            )
            columns = self.terminal_width
            width = min(self.bar_width, int(columns - len(template)) + 2, int(columns * 0.6))
            width = max(2, width)
            marks = int(width * done)
            self.file.write(template.format(">" * marks + " " * (width - marks)))
        else:
            self.file.write(
                f"completed: {self.completed}, elapsed: {int(elapsed + 0.5)}s, {fps:.1f} tasks/s"
            )
        self.file.flush()


def _tasks_and_count(tasks: Any) -> tuple[Iterable[Any], int]:
    """``(iterable, n)`` pairs and sequences, the two ways to give tasks, as (tasks, count)."""
    if isinstance(tasks, tuple):
        if not (len(tasks) == 2 and isinstance(tasks[0], Iterable) and isinstance(tasks[1], int)):
            raise AssertionError(
                "tasks given as a tuple must be (iterable of tasks, number of tasks), "
                f"but got {tasks!r}"
            )
        return tasks[0], tasks[1]
    if isinstance(tasks, Sequence):
        return tasks, len(tasks)
    raise TypeError(f'"tasks" must be a tuple object or a sequence object, but got {type(tasks)}')


def track_progress(
    func: Callable[..., Any],
    tasks: Sequence[Any] | tuple[Iterable[Any], int],
    bar_width: int = 50,
    file: TextIO | None = None,
    **kwargs: Any,
) -> list[Any]:
    """``[func(task, **kwargs) for task in tasks]`` with a progress bar.

    ``tasks`` is a sequence, or a pair ``(iterable, number_of_tasks)`` for iterators.
    """
    items, task_num = _tasks_and_count(tasks)
    bar = ProgressBar(task_num, bar_width, file=file)
    results = []
    for task in items:
        results.append(func(task, **kwargs))
        bar.update()
    bar.file.write("\n")
    return results


def init_pool(
    process_num: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] | None = None,
) -> PoolType:
    """A ``multiprocessing.Pool``; ``initargs`` must be a tuple (TypeError otherwise)."""
    from multiprocessing import Pool  # imported when a pool is made, not with mmlight.utils

    if initializer is None:
        return Pool(process_num)
    if initargs is None:
        return Pool(process_num, initializer)
    if not isinstance(initargs, tuple):
        raise TypeError('"initargs" must be a tuple')
    return Pool(process_num, initializer, initargs)


def track_parallel_progress(
    func: Callable[[Any], Any],
    tasks: Sequence[Any] | tuple[Iterable[Any], int],
    nproc: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] | None = None,
    bar_width: int = 50,
    chunksize: int = 1,
    skip_first: bool = False,
    keep_order: bool = True,
    file: TextIO | None = None,
) -> list[Any]:
    """``func`` over ``tasks`` in a pool of ``nproc`` processes, with a progress bar.

    Results come in task order with ``keep_order`` (``Pool.imap``), else as they finish
    (``imap_unordered``). ``skip_first`` leaves the first ``nproc * chunksize`` results out of
    the bar and its speed, since worker start-up makes them slow.
    """
    items, task_num = _tasks_and_count(tasks)
    pool = init_pool(nproc, initializer, initargs)
    warmup = nproc * chunksize if skip_first else 0
    bar = ProgressBar(task_num - warmup, bar_width, not skip_first, file=file)
    results: list[Any] = []
    try:
        gen = (
            pool.imap(func, items, chunksize)
            if keep_order
            else pool.imap_unordered(func, items, chunksize)
        )
        for result in gen:
            results.append(result)
            if skip_first and len(results) <= warmup:
                if len(results) == warmup:
                    bar.start()
                continue
            bar.update()
    except BaseException:
        pool.terminate()
        raise
    bar.file.write("\n")
    pool.close()
    pool.join()
    return results


def track_iter_progress(
    tasks: Sequence[Any] | tuple[Iterable[Any], int],
    bar_width: int = 50,
    file: TextIO | None = None,
) -> Iterator[Any]:
    """Yield the tasks one by one, advancing a progress bar after each is handled."""
    items, task_num = _tasks_and_count(tasks)
    bar = ProgressBar(task_num, bar_width, file=file)
    for task in items:
        yield task
        bar.update()
    bar.file.write("\n")
