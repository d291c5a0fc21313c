"""A ``rich`` progress bar over a function applied to many tasks (mmengine's
``track_progress_rich``).

``rich`` is optional: it is imported when the function runs, so ``import mmlight.utils``
works without it and a call says how to install it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

__all__ = ["track_progress_rich"]

_RICH_HINT = (
    "track_progress_rich needs the optional package 'rich', which is not installed; "
    "install it with `pip install rich`"
)


class _Worker:
    """Picklable call of ``func`` on one ``(arguments, index)`` task; returns the index too."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    def __call__(self, indexed: tuple[Any, int]) -> tuple[Any, int]:
        args, idx = indexed
        if not isinstance(args, (tuple, list)):
            args = (args,)
        return self.func(*args), idx


def _with_index(tasks: Iterable[Any]) -> Iterator[tuple[Any, int]]:
    for idx, task in enumerate(tasks):
        yield task, idx


def _progress(skip_times: int) -> Any:
    """mmengine's column layout; the time estimate shows ``-:--:--`` for the first
    ``skip_times`` results, which pool start-up makes unrepresentative."""
    try:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            Task,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text
    except ImportError as err:
        raise ImportError(_RICH_HINT, name="rich") from err

    class SkipFirstTimeRemainingColumn(TimeRemainingColumn):
        def render(self, task: Task) -> Text:
            if task.completed <= skip_times:
                return Text("-:--:--", style="progress.remaining")
            return super().render(task)

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        SkipFirstTimeRemainingColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(show_speed=True),
    )


def track_progress_rich(
    func: Callable[..., Any],
    tasks: Iterable[Any] = (),
    task_num: int | None = None,
    nproc: int = 1,
    chunksize: int = 1,
    description: str = "Processing",
    color: str = "blue",
) -> list[Any]:
    """``func`` applied to every task, results in task order, with a ``rich`` progress bar.

    A task that is a tuple or list is spread into positional arguments. Empty ``tasks`` with
    ``task_num=n`` calls ``func()`` n times. ``nproc > 1`` runs in a process pool.
    """
    if not callable(func):
        raise TypeError("func must be a callable object")
    if not isinstance(tasks, Iterable):
        raise TypeError(f"tasks must be an iterable object, but got {type(tasks)}")
    if isinstance(tasks, Sized):
        if len(tasks) == 0:
            if task_num is None:
                raise ValueError("If tasks is an empty iterable, task_num must be set")
            tasks = tuple(() for _ in range(task_num))
        else:
            if task_num is not None and task_num != len(tasks):
                raise ValueError("task_num does not match the length of tasks")
            task_num = len(tasks)
    if nproc <= 0:
        raise ValueError("nproc must be a positive number")

    progress = _progress(skip_times=nproc * chunksize if nproc > 1 else 0)
    worker = _Worker(func)
    task_id = progress.add_task(total=task_num, color=color, description=description)
    indexed = _with_index(tasks)
    with progress:
        if nproc == 1:
            results = []
            for task in indexed:
                results.append(worker(task)[0])
                progress.update(task_id, advance=1, refresh=True)
            return results
        from multiprocessing import Pool

        finished: list[tuple[Any, int]] = []
        with Pool(nproc) as pool:
            for result in pool.imap_unordered(worker, indexed, chunksize):
                finished.append(result)
                progress.update(task_id, advance=1, refresh=True)
        ordered: list[Any] = [None] * len(finished)
        for value, idx in finished:
            ordered[idx] = value
        return ordered
