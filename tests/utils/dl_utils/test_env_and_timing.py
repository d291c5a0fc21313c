"""mmlight.utils.dl_utils: TimeCounter (fake clock), set_multi_processing, collect_env;
mmengine's test_time_counter / test_setup_env / test_get_env as spec, plus parity."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("torch")

import mmlight
from mmlight.logging import MMLogger
from mmlight.utils.dl_utils import TimeCounter, collect_env, set_multi_processing
from mmlight.utils.dl_utils import time_counter as TC


# ---------------------------------------------------------------- TimeCounter
class FakePerfCounter:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakePerfCounter:
    fake = FakePerfCounter()
    monkeypatch.setattr(TC.time, "perf_counter", fake)
    monkeypatch.setattr(TimeCounter, "instance_dict", {})
    return fake


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    lines: list[tuple[str, Any]] = []
    monkeypatch.setattr(TC, "print_log", lambda msg, logger=None: lines.append((msg, logger)))
    return lines


def test_decorator_logs_average(clock: FakePerfCounter, logged: list[tuple[str, Any]]) -> None:
    @TimeCounter()
    def step(seconds: float) -> str:
        clock.now += seconds
        return "done"

    assert step(0.1) == "done"
    assert step.__name__ == "step"
    assert logged == [("[step]-time per run averaged in the past 1 runs: 100.0 ms", None)]


def test_warmup_and_interval(clock: FakePerfCounter, logged: list[tuple[str, Any]]) -> None:
    logger = MMLogger.get_instance("time_counter_test")

    @TimeCounter(log_interval=2, warmup_interval=2, with_sync=False, tag="f", logger=logger)
    def step(seconds: float) -> None:
        clock.now += seconds

    for seconds in (5.0, 0.1, 0.3, 0.2):  # the first run is warm-up and not averaged
        step(seconds)
    assert [msg for msg, _ in logged] == [
        "[f]-time per run averaged in the past 2 runs: 100.0 ms",
        "[f]-time per run averaged in the past 4 runs: 200.0 ms",
    ]
    assert logged[0][1] is logger
    MMLogger._instance_dict.pop("time_counter_test", None)


def test_same_tag_is_one_counter(clock: FakePerfCounter, logged: list[tuple[str, Any]]) -> None:
    assert TimeCounter(tag="x") is TimeCounter(tag="x", log_interval=5)
    assert TimeCounter() is not TimeCounter()
    for seconds in (0.1, 0.3):
        with TimeCounter(tag="block", with_sync=False):
            clock.now += seconds
    assert [msg for msg, _ in logged] == [
        "[block]-time per run averaged in the past 1 runs: 100.0 ms",
        "[block]-time per run averaged in the past 2 runs: 200.0 ms",
    ]


def test_argument_checks(clock: FakePerfCounter) -> None:
    with pytest.raises(AssertionError, match="warmup_interval must be at least 1, but got 0"):
        TimeCounter(warmup_interval=0)
    with pytest.raises(AssertionError, match="please specify the tag parameter"), TimeCounter():
        pass


def test_non_main_rank_runs_untimed(
    clock: FakePerfCounter, logged: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TC, "is_main_process", lambda: False)

    def fn() -> int:
        return 3

    assert TimeCounter()(fn) is fn
    with TimeCounter():  # no tag needed: nothing is timed on this rank
        pass
    assert logged == []


def test_parity_time_counter_messages(
    clock: FakePerfCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mmengine")
    from mmengine.utils.dl_utils import time_counter as theirs

    monkeypatch.setattr(theirs.time, "perf_counter", clock)  # the same time module
    monkeypatch.setattr(theirs.TimeCounter, "instance_dict", {})
    logs: dict[str, list[str]] = {"mine": [], "theirs": []}
    monkeypatch.setattr(TC, "print_log", lambda msg, logger=None: logs["mine"].append(msg))
    monkeypatch.setattr(theirs, "print_log", lambda msg, logger=None: logs["theirs"].append(msg))
    for key, cls in (("mine", TimeCounter), ("theirs", theirs.TimeCounter)):

        @cls(log_interval=3, warmup_interval=2, with_sync=False)
        def work(seconds: float) -> None:
            clock.now += seconds

        for i in range(8):
            work(0.01 * (i + 1))
        for i in range(3):
            with cls(tag=f"ctx-{key}", log_interval=2, with_sync=False):
                clock.now += 0.5 * i
    assert [m.replace("ctx-mine", "ctx") for m in logs["mine"]] == [
        m.replace("ctx-theirs", "ctx") for m in logs["theirs"]
    ]
    assert logs["mine"]


# ---------------------------------------------------------------- set_multi_processing
@pytest.fixture
def restore_process_settings() -> Iterator[None]:
    cv2 = pytest.importorskip("cv2")
    method = mp.get_start_method(allow_none=True)
    threads = cv2.getNumThreads()
    saved = {k: os.environ.pop(k, None) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    try:
        yield
    finally:
        mp.set_start_method(method, force=True)
        cv2.setNumThreads(threads)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.mark.skipif(sys.platform == "win32", reason="start methods differ on Windows")
@pytest.mark.usefixtures("restore_process_settings")
def test_set_multi_processing() -> None:
    import cv2

    mp.set_start_method("fork", force=True)
    with pytest.warns(UserWarning) as record:
        set_multi_processing(distributed=True)
    assert [str(w.message)[:27] for w in record] == [
        "Setting OMP_NUM_THREADS env",
        "Setting MKL_NUM_THREADS env",
    ]
    assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "1"
    assert cv2.getNumThreads() == 1  # 0 means "no threading": OpenCV reports 1
    assert mp.get_start_method() == "fork"

    del os.environ["OMP_NUM_THREADS"], os.environ["MKL_NUM_THREADS"]
    set_multi_processing(distributed=False)
    assert "OMP_NUM_THREADS" not in os.environ and "MKL_NUM_THREADS" not in os.environ

    os.environ["OMP_NUM_THREADS"] = "4"
    with pytest.warns(UserWarning, match="Setting MKL_NUM_THREADS") as record:
        set_multi_processing(distributed=True)
    assert len(record) == 1  # OMP_NUM_THREADS was the user's choice
    assert os.environ["OMP_NUM_THREADS"] == "4"

    with pytest.warns(UserWarning, match="Multi-processing start method `spawn` is different"):
        set_multi_processing(mp_start_method="spawn", opencv_num_threads=4, distributed=True)
    assert cv2.getNumThreads() == 4
    assert mp.get_start_method() == "spawn"


@pytest.mark.skipif(sys.platform == "win32", reason="start methods differ on Windows")
@pytest.mark.usefixtures("restore_process_settings")
def test_parity_set_multi_processing_warnings() -> None:
    pytest.importorskip("mmengine")
    from mmengine.utils.dl_utils import set_multi_processing as theirs

    seen = []
    for func in (set_multi_processing, theirs):
        mp.set_start_method("fork", force=True)
        os.environ.pop("OMP_NUM_THREADS", None)
        os.environ.pop("MKL_NUM_THREADS", None)
        with pytest.warns(UserWarning) as record:
            func(mp_start_method="spawn", distributed=True)
        seen.append(
            ([str(w.message) for w in record], os.environ["OMP_NUM_THREADS"], mp.get_start_method())
        )
    assert seen[0] == seen[1]


# ---------------------------------------------------------------- collect_env
def test_collect_env() -> None:
    info = collect_env()
    for key in [
        "sys.platform",
        "Python",
        "CUDA available",
        "PyTorch",
        "PyTorch compiling details",
        "GCC",
    ]:
        assert key in info
    if info["CUDA available"]:
        assert "CUDA_HOME" in info
    assert info["sys.platform"] == sys.platform
    assert info["Python"] == sys.version.replace("\n", "")
    assert info["MMLight"] == mmlight.__version__


def test_parity_collect_env() -> None:
    pytest.importorskip("mmengine")
    import mmengine
    from mmengine.utils.dl_utils import collect_env as theirs

    mine, ref = collect_env(), theirs()
    assert mine.pop("MMLight") == mmlight.__version__
    assert ref["MMEngine"] == mmengine.__version__
    assert list(mine) == list(ref)  # same keys in the same order
    assert mine == ref
