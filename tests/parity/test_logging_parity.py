"""The same logging scenarios under mmengine and mmlight, compared exactly.

Covers HistoryBuffer statistics, MessageHub state dicts (and loading each library's state dict,
in memory and through ``torch.save``/``torch.load(weights_only=True)``, into the other),
MMLogger lines, and LogProcessor tags and log strings.

Nothing here depends on the clock: LogProcessor never reads wall time itself. ``eta`` comes
from the hub's runtime info and ``time``/``data_time`` from its scalars, and both hubs are
fed the same values. The one live reading is CUDA peak memory (taken, then reset, on each
call), so on a CUDA machine both sides must report ``memory`` and the value is then cut from
the string and the tag before comparing. Logger lines start with a timestamp, which is cut
before comparing.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

mmengine = pytest.importorskip("mmengine")

import mmengine.logging as me_logging  # noqa: E402
from mmengine.runner import LogProcessor as MELogProcessor  # noqa: E402

import mmlight.logging as ml_logging  # noqa: E402
from mmlight.logging.safe_types import (  # noqa: E402
    MMLIGHT_HISTORY_BUFFER_PATH,
    NUMPY_GLOBALS,
    SAFE_GLOBALS,
    as_plain_numpy,
)
from mmlight.runner import LogProcessor as MLLogProcessor  # noqa: E402

LIBS = {"mmengine": me_logging, "mmlight": ml_logging}
CUDA = torch.cuda.is_available()


# -- HistoryBuffer -------------------------------------------------------------------------


def _random_updates(seed: int, n: int) -> list[tuple[Any, int]]:
    rng = np.random.default_rng(seed)
    updates: list[tuple[Any, int]] = []
    for i in range(n):
        kind = rng.integers(3) if i > 5 else 0  # a few ints first: the int -> float switch
        value: Any = int(rng.integers(-5, 50)) if kind == 0 else float(rng.normal())
        updates.append((value, int(rng.integers(1, 4))))
    return updates


def _assert_same_arrays(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> None:
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def _assert_same_number(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    assert a == b or (np.isnan(a) and np.isnan(b))


@pytest.mark.parametrize(("seed", "n", "max_length"), [(0, 40, 1000000), (1, 200, 17), (2, 3, 1)])
def test_history_buffer_statistics(seed: int, n: int, max_length: int) -> None:
    me = me_logging.HistoryBuffer(max_length=max_length)
    ml = ml_logging.HistoryBuffer(max_length=max_length)
    for step, (value, count) in enumerate(_random_updates(seed, n)):
        me.update(value, count)
        ml.update(value, count)
        if step % 7 == 0 or step == n - 1:
            _assert_same_arrays(me.data, ml.data)
            for window in (None, 0, 1, 3, 10, 1000):
                for name in ("mean", "max", "min"):
                    _assert_same_number(getattr(me, name)(window), getattr(ml, name)(window))
                    _assert_same_number(
                        me.statistics(name, window), ml.statistics(name, window_size=window)
                    )
            _assert_same_number(me.current(), ml.current())
            _assert_same_number(me.statistics("current"), ml.statistics("current"))


def test_history_buffer_constructor_truncation() -> None:
    logs, counts = [1, 2.5, 3, 4], [1, 2, 1, 1]
    with pytest.warns(UserWarning):
        me = me_logging.HistoryBuffer(logs, counts, max_length=3)
    with pytest.warns(UserWarning):
        ml = ml_logging.HistoryBuffer(logs, counts, max_length=3)
    _assert_same_arrays(me.data, ml.data)
    _assert_same_number(me.mean(), ml.mean())


def test_history_buffer_empty_behaviour() -> None:
    me, ml = me_logging.HistoryBuffer(), ml_logging.HistoryBuffer()
    _assert_same_arrays(me.data, ml.data)
    with pytest.warns(RuntimeWarning):
        me_mean = me.mean()
    with pytest.warns(RuntimeWarning):
        ml_mean = ml.mean()
    _assert_same_number(me_mean, ml_mean)
    for buf in (me, ml):
        with pytest.raises(ValueError):
            buf.current()
        with pytest.raises(ValueError):
            buf.max()


# -- MessageHub ----------------------------------------------------------------------------


def _fill_hub(lib: Any, name: str) -> Any:
    hub = lib.MessageHub(name)
    for i, (value, _) in enumerate(_random_updates(3, 30)):
        hub.update_scalar("train/loss", value)
        hub.update_scalar("train/lr", torch.tensor(0.1 * 0.9**i))
        hub.update_scalar("train/time", np.float32(0.25), resumed=False)
        hub.update_scalars({"train/n": {"value": np.array([i]), "count": 2}, "train/acc": 0.5})
    hub.update_info("epoch", 3)
    hub.update_info("best_score", np.float64(0.875))
    hub.update_info("keep_ckpt_ids", [1, 2])
    hub.update_info("val/cm", np.eye(3, dtype=np.float32))
    hub.update_info_dict({"loop_stage": "train", "scratch": {"a": 1}}, resumed=False)
    return hub


def _assert_same_state(me_state: dict, ml_state: dict) -> None:
    assert list(me_state) == list(ml_state) == ["log_scalars", "runtime_info", "resumed_keys"]
    for key in me_state:
        assert type(me_state[key]) is type(ml_state[key]) is OrderedDict
        assert list(me_state[key]) == list(ml_state[key]), key
    for key, me_buf in me_state["log_scalars"].items():
        ml_buf = ml_state["log_scalars"][key]
        assert me_buf.max_length == ml_buf.max_length
        _assert_same_arrays(me_buf.data, ml_buf.data)
    for key, me_value in me_state["runtime_info"].items():
        ml_value = ml_state["runtime_info"][key]
        assert type(me_value) is type(ml_value), key
        np.testing.assert_array_equal(me_value, ml_value)
    assert me_state["resumed_keys"] == ml_state["resumed_keys"]


def test_message_hub_state_dict() -> None:
    me_hub, ml_hub = _fill_hub(me_logging, "p-me"), _fill_hub(ml_logging, "p-ml")
    _assert_same_state(me_hub.state_dict(), ml_hub.state_dict())
    assert list(me_hub.log_scalars) == list(ml_hub.log_scalars)
    assert list(me_hub.runtime_info) == list(ml_hub.runtime_info)
    _assert_same_arrays(me_hub.get_scalar("train/time").data, ml_hub.get_scalar("train/time").data)


def _reloaded(lib: Any, state: Any) -> Any:
    """A fresh hub of ``lib`` after ``load_state_dict(state)``."""
    hub = lib.MessageHub(f"reloaded-{lib.__name__}")
    hub.load_state_dict(state)
    assert all(type(b) is lib.HistoryBuffer for b in hub.log_scalars.values())
    return hub


def test_mmengine_state_dict_loads_into_mmlight_in_memory() -> None:
    me_state = _fill_hub(me_logging, "m-me").state_dict()
    _assert_same_state(
        _reloaded(me_logging, me_state).state_dict(), _reloaded(ml_logging, me_state).state_dict()
    )


def test_mmengine_hub_object_loads_into_mmlight() -> None:
    me_hub = _fill_hub(me_logging, "o-me")
    ml_hub = ml_logging.MessageHub("o-ml")
    ml_hub.load_state_dict(me_hub)
    _assert_same_state(me_hub.state_dict(), ml_hub.state_dict())


def _save(obj: Any) -> io.BytesIO:
    stream = io.BytesIO()
    torch.save(obj, stream)
    stream.seek(0)
    return stream


def test_mmengine_checkpoint_resumes_in_mmlight() -> None:
    """An mmengine checkpoint's message_hub, read with weights_only=True and SAFE_GLOBALS
    (then as_plain_numpy: the allow-list builds arrays as a guarded ndarray subclass)."""
    me_state = _fill_hub(me_logging, "f-me").state_dict()
    stream = _save({"message_hub": me_state})
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        loaded = as_plain_numpy(torch.load(stream, weights_only=True))["message_hub"]
    _assert_same_state(me_state, loaded)
    ml_hub = _reloaded(ml_logging, loaded)
    _assert_same_state(_reloaded(me_logging, me_state).state_dict(), ml_hub.state_dict())
    ml_hub.update_scalar("train/loss", 1.0)  # the resumed buffers keep working


def test_mmlight_checkpoint_resumes_in_mmengine() -> None:
    """mmengine maps mmlight's buffer name onto its own class; both take the same arguments."""
    ml_state = _fill_hub(ml_logging, "r-ml").state_dict()
    stream = _save({"message_hub": ml_state})
    allow = [(me_logging.HistoryBuffer, MMLIGHT_HISTORY_BUFFER_PATH), *NUMPY_GLOBALS]
    with torch.serialization.safe_globals(allow):
        loaded = as_plain_numpy(torch.load(stream, weights_only=True))["message_hub"]
    _assert_same_state(loaded, ml_state)
    me_hub = _reloaded(me_logging, loaded)
    _assert_same_state(me_hub.state_dict(), _reloaded(ml_logging, ml_state).state_dict())
    me_hub.update_scalar("train/loss", 1.0)
    assert me_hub.get_scalar("train/loss").statistics("mean", 5) is not None


# -- MMLogger ------------------------------------------------------------------------------

_TIMESTAMP = re.compile(r"^[\d/]+ [\d:]+ - ", re.MULTILINE)


def _emit(logger: logging.Logger) -> None:
    logger.debug("debug line")
    logger.info("info line")
    logger.warning("warned once")
    logger.warning("warned once")
    logger.error("error line")
    logger.info("after %s", "args")


def test_logger_file_and_stream_lines(tmp_path: Path, capsys: Any) -> None:
    outputs = {}
    for lib_name, lib in LIBS.items():
        path = tmp_path / f"{lib_name}.log"
        logger = lib.MMLogger(f"parity-{lib_name}", log_file=str(path), log_level="DEBUG")
        _emit(logger)
        for handler in logger.handlers:
            handler.flush()
            handler.close()
        outputs[lib_name] = (
            _TIMESTAMP.sub("", path.read_text()),
            _TIMESTAMP.sub("", capsys.readouterr().out),
            logger.log_file == str(path),
        )
    assert outputs["mmengine"] == outputs["mmlight"]
    assert "warned once" in outputs["mmlight"][0]


def test_colored_formatter_matches_termcolor(monkeypatch: pytest.MonkeyPatch) -> None:
    termcolor = pytest.importorskip("termcolor.termcolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("ANSI_COLORS_DISABLED", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    if hasattr(termcolor, "can_colorize"):
        termcolor.can_colorize.cache_clear()
    from mmengine.logging.logger import MMFormatter as MEFormatter

    from mmlight.logging.formatting import MMFormatter as MLFormatter

    try:
        for blink in (False, True):
            me_fmt = MEFormatter(color=True, blink=blink, datefmt="X")
            ml_fmt = MLFormatter(color=True, blink=blink, datefmt="X")
            for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
                record = logging.LogRecord("nm", level, "/f.py", 3, "m %d", (1,), None, func="fn")
                assert me_fmt.format(record) == ml_fmt.format(record)
                assert "\033[" in ml_fmt.format(record)
    finally:
        if hasattr(termcolor, "can_colorize"):
            termcolor.can_colorize.cache_clear()


def test_print_log(capsys: Any) -> None:
    for lib in LIBS.values():
        lib.print_log("plain")
        lib.print_log("gone", logger="silent")
        with pytest.raises(ValueError):
            lib.print_log("x", logger="no-such-logger")
        with pytest.raises(TypeError):
            lib.print_log("x", logger=3)
    assert capsys.readouterr().out == "plain\nplain\n"


# -- LogProcessor --------------------------------------------------------------------------


class _Loop:
    def __init__(self, length: int) -> None:
        self.dataloader = list(range(length))


class RunnerDouble:
    """Test double for mmlight's Runner (not written yet): the attributes LogProcessor reads."""

    def __init__(self, hub: Any, has_train_loop: bool = True) -> None:
        self.message_hub = hub
        self.iter, self.epoch, self.max_iters, self.max_epochs = 41, 3, 1200, 12
        self._train_loop = _Loop(100) if has_train_loop else None
        self.train_loop = self._train_loop
        self.val_loop, self.test_loop = _Loop(25), _Loop(7)
        self.model = torch.nn.Linear(1, 1)


def _processor_hub(lib: Any, name: str, with_eta: bool) -> Any:
    hub = lib.MessageHub(name)
    rng = np.random.default_rng(7)
    for i in range(42):
        hub.update_scalar("train/lr", 0.01 * 0.9**i)
        hub.update_scalar("train/base_lr", 0.01)
        hub.update_scalar("train/loss", float(rng.random()))
        hub.update_scalar("train/loss_cls", torch.tensor(float(rng.random())))
        hub.update_scalar("train/time", float(rng.random()))
        hub.update_scalar("train/data_time", float(rng.random()))
        hub.update_scalar("train/grad_norm", np.float64(rng.random() * 10))
        hub.update_scalar("train/acc", np.float32(rng.random()))  # not a float subclass
        hub.update_scalar("train/n", int(rng.integers(10)))  # int history
        for mode in ("val", "test"):
            hub.update_scalar(f"{mode}/loss", float(rng.random()))
            hub.update_scalar(f"{mode}/time", float(rng.random()))
            hub.update_scalar(f"{mode}/data_time", float(rng.random()))
    hub.update_scalar("val/accuracy/top1", 71.25)
    hub.update_scalar("test/accuracy/top1", 70.5)
    hub.update_info("val/cm", np.eye(2))
    hub.update_info("test/names", ["a", "b"])
    hub.update_info("test/t", torch.arange(3))
    if with_eta:
        hub.update_info("eta", 12345.6)
    return hub


CUSTOM_CFGS: dict[str, list[dict] | None] = {
    "none": None,
    "global-mean-named": [
        {"data_src": "loss", "method_name": "mean", "window_size": "global", "log_name": "gl"}
    ],
    "int-max-overwrite": [{"data_src": "loss", "method_name": "max", "window_size": 5}],
    "epoch-min-current": [
        {"data_src": "acc", "method_name": "min", "window_size": "epoch", "log_name": "acc_min"},
        {"data_src": "time", "method_name": "current"},
        {"data_src": "lr", "method_name": "max", "window_size": 3, "log_name": "max_lr"},
    ],
    "time-override": [
        {"data_src": "data_time", "method_name": "max", "window_size": "global"},
        {"data_src": "accuracy/top1", "method_name": "current", "log_name": "top1_now"},
    ],
}


# mmengine needs by_epoch=True for these: a 'epoch' window is refused otherwise, and without
# by_epoch it reads log_cfg['window_size'] unguarded, so an entry without one is a KeyError.
BY_EPOCH_ONLY = ("epoch-min-current", "time-override")


def _strip_memory(tag: dict, log: str) -> tuple[dict, str]:
    if CUDA:
        assert isinstance(tag.pop("memory"), int)
        log, count = re.subn(r"memory: \d+  ", "", log)
        assert count == 1
    return tag, log


def _assert_same_output(me_out: tuple[dict, str], ml_out: tuple[dict, str]) -> None:
    me_tag, me_log = _strip_memory(*me_out)
    ml_tag, ml_log = _strip_memory(*ml_out)
    assert ml_log == me_log
    assert list(ml_tag) == list(me_tag)
    for key, me_value in me_tag.items():
        assert type(ml_tag[key]) is type(me_value), key
        if isinstance(me_value, torch.Tensor):
            assert torch.equal(me_value, ml_tag[key])
        else:
            np.testing.assert_array_equal(ml_tag[key], me_value)


ITER_CASES = [
    case
    for case in itertools.product(
        ("train", "val", "test"), (True, False), (False, True), CUSTOM_CFGS, (True, False)
    )
    if not (case[0] == "train" and not case[4])  # training always has a train loop
    and not (not case[1] and case[3] in BY_EPOCH_ONLY)
]


def _pair(by_epoch: bool, hierarchy: bool, cfg_name: str, **kwargs: Any) -> tuple[Any, Any]:
    args = {"by_epoch": by_epoch, "log_with_hierarchy": hierarchy, **kwargs}
    cfg = CUSTOM_CFGS[cfg_name]
    return MELogProcessor(custom_cfg=cfg, **args), MLLogProcessor(custom_cfg=cfg, **args)


@pytest.mark.parametrize(("mode", "by_epoch", "hierarchy", "cfg_name", "train_loop"), ITER_CASES)
def test_log_after_iter(
    mode: str, by_epoch: bool, hierarchy: bool, cfg_name: str, train_loop: bool
) -> None:
    me_proc, ml_proc = _pair(by_epoch, hierarchy, cfg_name)
    for batch_idx, with_eta in ((0, True), (6, False), (24, True)):
        me_runner = RunnerDouble(_processor_hub(me_logging, "i-me", with_eta), train_loop)
        ml_runner = RunnerDouble(_processor_hub(ml_logging, "i-ml", with_eta), train_loop)
        _assert_same_output(
            me_proc.get_log_after_iter(me_runner, batch_idx, mode),
            ml_proc.get_log_after_iter(ml_runner, batch_idx, mode),
        )


EPOCH_CASES = [
    case
    for case in itertools.product(("val", "test"), (True, False), (False, True), CUSTOM_CFGS)
    if not (not case[1] and case[3] in BY_EPOCH_ONLY)
]


@pytest.mark.parametrize(("mode", "by_epoch", "hierarchy", "cfg_name"), EPOCH_CASES)
def test_log_after_epoch(mode: str, by_epoch: bool, hierarchy: bool, cfg_name: str) -> None:
    me_proc, ml_proc = _pair(by_epoch, hierarchy, cfg_name)
    for train_loop, with_non_scalar in ((True, False), (False, True)):
        me_runner = RunnerDouble(_processor_hub(me_logging, "e-me", True), train_loop)
        ml_runner = RunnerDouble(_processor_hub(ml_logging, "e-ml", True), train_loop)
        _assert_same_output(
            me_proc.get_log_after_epoch(me_runner, 24, mode, with_non_scalar),
            ml_proc.get_log_after_epoch(ml_runner, 24, mode, with_non_scalar),
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_digits": 2},
        {"num_digits": 6, "window_size": 3},
        {"window_size": 1000},
        {"mean_pattern": r".*(loss|acc).*"},
    ],
)
def test_processor_arguments(kwargs: dict) -> None:
    me_proc, ml_proc = _pair(True, False, "global-mean-named", **kwargs)
    me_runner = RunnerDouble(_processor_hub(me_logging, "a-me", True))
    ml_runner = RunnerDouble(_processor_hub(ml_logging, "a-ml", True))
    for mode in ("train", "val", "test"):
        _assert_same_output(
            me_proc.get_log_after_iter(me_runner, 9, mode),
            ml_proc.get_log_after_iter(ml_runner, 9, mode),
        )
    for mode in ("val", "test"):
        _assert_same_output(
            me_proc.get_log_after_epoch(me_runner, 9, mode),
            ml_proc.get_log_after_epoch(ml_runner, 9, mode),
        )


@pytest.mark.parametrize(
    ("custom_cfg", "by_epoch"),
    [
        ([{"data_src": "loss", "method_name": "mean", "window_size": "epoch"}], False),
        (
            [
                {"data_src": "loss", "method_name": "mean"},
                {"data_src": "loss", "method_name": "max"},
            ],
            True,
        ),
    ],
)
def test_rejected_custom_cfgs_are_rejected_by_both(custom_cfg: list, by_epoch: bool) -> None:
    with pytest.raises(AssertionError):
        MELogProcessor(custom_cfg=custom_cfg, by_epoch=by_epoch)
    with pytest.raises(AssertionError):
        MLLogProcessor(custom_cfg=custom_cfg, by_epoch=by_epoch)


def test_entry_without_window_size_when_not_by_epoch() -> None:
    """Deliberate difference: mmengine fails with a bare KeyError, mmlight accepts the entry."""
    cfg = [{"data_src": "loss", "method_name": "max"}]
    with pytest.raises(KeyError, match="window_size"):
        MELogProcessor(custom_cfg=cfg, by_epoch=False)
    runner = RunnerDouble(_processor_hub(ml_logging, "k-ml", True))
    tag, _ = MLLogProcessor(custom_cfg=cfg, by_epoch=False).get_log_after_iter(runner, 0, "train")
    assert tag["loss"] == runner.message_hub.get_scalar("train/loss").max()
