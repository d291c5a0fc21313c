"""Say where a stage failed: component, config key, stage, epoch, iteration, sample.

A dataset raising ``KeyError: sample 7 is corrupt`` deep inside Lightning's loops tells the
user neither which dataloader nor when. :func:`failures_located` wraps a stage; when it fails,
:func:`locate_failure` reads the traceback (the objects whose methods were running) to find:

- a dataloader fetch: the DataLoader iterator (which dataset, how many batches it yielded)
  and, with ``num_workers=0``, the dataset's ``__getitem__`` frame, whose argument is the
  sample index the sampler yielded. With workers the dataset ran in another process and torch
  re-raises a copy whose text holds the worker's traceback; the index is not recoverable and
  the note says so (and how to see it: ``num_workers=0``);
- a metric: :class:`~mmlight.evaluator.Evaluator` records which metric and method raised;
- the evaluation loop's ``run_iter`` frame (the batch index) or, for training, the loop's
  counters (epoch and iteration as MMEngine's log shows them).

The exception keeps its type and gains one note (see :mod:`mmlight.utils.error_notes`), e.g.
``(raised by train_dataloader.dataset (MyDataset) loading sample 7; stage train, epoch 2,
iteration 3/4)``. Dataset and metric failures are marked as failures while running, so the
CLIs exit 1 for them whatever their type.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from mmlight.utils.error_notes import mark_run_failure, set_note

if TYPE_CHECKING:
    from mmlight.runner.runner import Runner

__all__ = ["failures_located", "locate_failure"]

_LOCATED_ATTR = "_mmlight_located"
#: the config key of a stage's dataloader where no loop owns it (``predict`` reuses test's)
_LOADER_KEYS = {"train": "train_dataloader", "val": "val_dataloader", "test": "test_dataloader",
                "predict": "test_dataloader"}


@contextmanager
def failures_located(runner: Runner, stage: str) -> Iterator[None]:
    """Run a stage (``train``, ``val``, ``test``, ``predict``); an exception escaping it
    gets a note saying where it happened (:func:`locate_failure`) and is re-raised as is."""
    try:
        yield
    except Exception as error:
        locate_failure(error, runner, stage)
        raise


def locate_failure(error: BaseException, runner: Runner, stage: str) -> None:
    """Add the location note to ``error``, raised while ``runner`` ran ``stage``.

    Config and registry errors already name their key path and are left alone, as are an
    error located before (a stage run inside another one) and one whose class says its
    message names the place (``locates_itself = True``).
    """
    from mmlight.config.errors import ConfigError
    from mmlight.registry.errors import RegistryError

    if (
        isinstance(error, (ConfigError, RegistryError))
        or getattr(error, _LOCATED_ATTR, False)
        or getattr(error, "locates_itself", False)
    ):
        return
    try:
        setattr(error, _LOCATED_ATTR, True)
    except AttributeError:
        return
    frames = _frames(error)
    fetch = _find_fetch(frames)
    eval_frame = _find_eval_loop(frames)
    if fetch is not None:
        stage, key = _dataloader_owner(runner, fetch.dataset, stage)
    elif eval_frame is not None:
        stage = eval_frame.loop._stage
    parts: list[str] = []
    component = None
    if fetch is not None:
        component = _describe_fetch(fetch, key)
        mark_run_failure(error, f"{key}.dataset")
    metric = _metric_failure(error, frames)
    if metric is not None and fetch is None:
        component = metric.describe(_metric_key(runner, stage, metric.index))
        mark_run_failure(error, f"{stage}_evaluator")
    if component:
        parts.append(f"raised by {component}")
    parts.append(_position(runner, stage, fetch, eval_frame))
    if fetch is not None and _worker_text(error, fetch):
        parts.append(_worker_text(error, fetch))
    set_note(error, "(" + "; ".join(parts) + ")")


# -- reading the traceback ------------------------------------------------------------------
def _frames(error: BaseException) -> list[FrameType]:
    """The frames ``error`` passed through, outermost first."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


@dataclass
class _Fetch:
    """A failed dataloader fetch, as far as the traceback tells."""

    dataset: Any
    batches_yielded: int
    num_workers: int
    index: Any = None  # what the dataset's __getitem__ (or __getitems__) was called with
    batch: Any = None  # the index batch being fetched, when the dataset frame is unknown


def _find_fetch(frames: list[FrameType]) -> _Fetch | None:
    from torch.utils.data.dataloader import _BaseDataLoaderIter

    fetch: _Fetch | None = None
    for frame in frames:
        owner = frame.f_locals.get("self")
        if fetch is None:
            if isinstance(owner, _BaseDataLoaderIter):
                fetch = _Fetch(
                    dataset=owner._dataset,
                    batches_yielded=int(owner._num_yielded),
                    num_workers=int(owner._num_workers),
                )
            continue
        code = frame.f_code
        if owner is fetch.dataset and code.co_name in ("__getitem__", "__getitems__"):
            if code.co_argcount >= 2:
                fetch.index = frame.f_locals.get(code.co_varnames[1])
            return fetch  # the outermost call is the one the sampler's index reached
        if code.co_name == "fetch" and "possibly_batched_index" in frame.f_locals:
            fetch.batch = frame.f_locals["possibly_batched_index"]
    return fetch


@dataclass
class _EvalFrame:
    loop: Any
    function: str
    batch_idx: int | None


def _find_eval_loop(frames: list[FrameType]) -> _EvalFrame | None:
    """The innermost frame running a method of a val/test loop (``run_iter``, ...)."""
    from mmlight.runner.loops import BaseLoop

    found = None
    for frame in frames:
        owner = frame.f_locals.get("self")
        if isinstance(owner, BaseLoop) and getattr(owner, "_stage", None) in ("val", "test"):
            idx = frame.f_locals.get("idx") if frame.f_code.co_name == "run_iter" else None
            found = _EvalFrame(owner, frame.f_code.co_name, idx if isinstance(idx, int) else None)
    return found


def _metric_failure(error: BaseException, frames: list[FrameType]) -> Any:
    """Which metric raised: as mmlight's Evaluator recorded it, else read from the traceback
    (an evaluator a bridge accepts, e.g. mmengine's, records nothing)."""
    from mmlight.evaluator.evaluator import METRIC_FAILURE_ATTR, MetricFailure, _kind

    site = getattr(error, METRIC_FAILURE_ATTR, None)
    if isinstance(site, MetricFailure):
        return site
    for outer, frame in enumerate(frames):
        metrics = getattr(frame.f_locals.get("self"), "metrics", None)
        if not isinstance(metrics, list):
            continue
        # the innermost frame below the evaluator's whose ``self`` is one of its metrics
        for inner in reversed(frames[outer + 1:]):
            owner = inner.f_locals.get("self")
            index = next((i for i, m in enumerate(metrics) if m is owner), None)
            if index is not None:
                return MetricFailure(index, _kind(owner), inner.f_code.co_name)
    return None


# -- naming things as the config does -------------------------------------------------------
def _built_loop(runner: Runner, stage: str) -> Any:
    from mmlight.runner.loops import BaseLoop

    loop = getattr(runner, f"_{stage}_loop", None)
    return loop if isinstance(loop, BaseLoop) else None


def _dataloader_owner(runner: Runner, dataset: Any, stage: str) -> tuple[str, str]:
    """``(stage, config key)`` of the dataloader whose dataset is ``dataset``."""
    for candidate in ("train", "val", "test"):
        loop = _built_loop(runner, candidate)
        if loop is not None and getattr(loop.dataloader, "dataset", None) is dataset:
            return candidate, f"{candidate}_dataloader"
    return stage, _LOADER_KEYS.get(stage, f"{stage}_dataloader")


def _metric_key(runner: Runner, stage: str, index: int) -> str:
    """The key path of metric ``index`` in ``<stage>_evaluator`` as the config writes it."""
    key = f"{stage}_evaluator"
    written = getattr(runner, f"_{stage}_evaluator", None)
    if isinstance(written, dict) and "metrics" in written:
        metrics = written["metrics"]
        return f"{key}.metrics[{index}]" if isinstance(metrics, (list, tuple)) else f"{key}.metrics"
    if isinstance(written, (list, tuple)):
        return f"{key}[{index}]"
    return key


def _short(value: Any) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, (list, tuple)):
        items = [_short(item) for item in value[:8]]
        return "[" + ", ".join(items) + (", ...]" if len(value) > 8 else "]")
    return f"{value!r:.80}"


def _describe_fetch(fetch: _Fetch, key: str) -> str:
    text = f"{key}.dataset ({type(fetch.dataset).__name__})"
    if fetch.index is not None:
        many = isinstance(fetch.index, (list, tuple))
        text += f" loading sample{'s' if many else ''} {_short(fetch.index)}"
    elif fetch.batch is not None:
        text += f" fetching samples {_short(fetch.batch)}"
    elif fetch.num_workers > 0:
        text += f" in a worker process (num_workers={fetch.num_workers})"
    return text


def _worker_text(error: BaseException, fetch: _Fetch) -> str:
    """For a failure torch re-raised from a worker: the worker's own error line (the message
    torch builds starts with "Caught X in DataLoader worker process N") and why no index."""
    if fetch.num_workers <= 0 or fetch.index is not None or fetch.batch is not None:
        return ""
    text = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = f"the worker raised {lines[-1]}; " if len(lines) > 1 else ""
    return said + "the sample index is not known with workers (num_workers=0 shows it)"


# -- when -----------------------------------------------------------------------------------
def _position(runner: Runner, stage: str, fetch: _Fetch | None, eval_frame: _EvalFrame | None
              ) -> str:
    if stage == "train":
        return "stage train" + _train_position(_built_loop(runner, "train"), ahead=1)
    text = f"stage {stage}"
    train = _built_loop(runner, "train")
    if stage == "val" and train is not None:
        text += _train_position(train, ahead=0)
    loop = _built_loop(runner, stage) if stage in ("val", "test") else None
    total = _length(loop.dataloader) if loop is not None else None
    of = f"/{total}" if total is not None else ""
    if fetch is not None:
        return text + f", iteration {fetch.batches_yielded + 1}{of}"
    if eval_frame is not None and eval_frame.batch_idx is not None:
        return text + f", iteration {eval_frame.batch_idx + 1}{of}"
    if eval_frame is not None:
        done = f" ({total}/{total})" if total is not None else ""
        return text + f", computing metrics after the last iteration{done}"
    return text


def _train_position(loop: Any, ahead: int) -> str:
    """``, epoch E, iteration i/n`` of a training loop: the iteration running (``ahead=1``)
    or, for validation between epochs, the epoch just finished (``ahead=0``)."""
    from mmlight.runner.loops import IterBasedTrainLoop

    if loop is None:
        return ""
    if isinstance(loop, IterBasedTrainLoop):
        if ahead:
            return f", iteration {loop.iter + 1}/{loop.max_iters}"
        return f", after training iteration {loop.iter}"
    if not ahead:
        return f", epoch {loop.epoch}"
    per_epoch = _length(loop.dataloader)
    if not per_epoch:
        return f", epoch {loop.epoch + 1}, iteration {loop.iter + 1}"
    in_epoch = loop.iter - loop.epoch * per_epoch + 1
    return f", epoch {loop.epoch + 1}, iteration {in_epoch}/{per_epoch}"


def _length(dataloader: Any) -> int | None:
    try:
        return len(dataloader)
    except TypeError:
        return None
