"""MultiProcessTestCase: workers run the test, the main process turns exit codes into outcomes.

One test spawns real processes (2 workers on gloo); the rest drive the protocol's two halves in
this process with stand-in processes and pipes.
"""

from __future__ import annotations

import multiprocessing
import unittest
from typing import Any

import pytest

pytest.importorskip("torch")

import torch
import torch.distributed as torch_dist

from mmlight.dist import all_reduce, get_rank, get_world_size
from mmlight.testing._internal import MultiProcessTestCase
from mmlight.testing._internal.distributed import TEST_SKIPS


class _Case(MultiProcessTestCase):
    __test__ = False  # driven by hand below, never spawned

    def test_pass(self) -> None:
        pass

    def test_raise(self) -> None:
        raise ValueError("worker broke")

    def test_skip(self) -> None:
        self.skipTest("not here")


class _Process:
    """What ``_check_return_codes`` reads of a process: ``pid`` and ``exitcode``."""

    def __init__(self, pid: int, exitcode: int | None) -> None:
        self.pid = pid
        self.exitcode = exitcode
        self.terminated = False

    def terminate(self) -> None:
        self.terminated = True


class _Pipe:
    def __init__(self, message: str = "") -> None:
        self.message = message
        self.closed = False

    def recv(self) -> str:
        return self.message

    def close(self) -> None:
        self.closed = True


def _main_process_case(cls: type[Any], codes: list[int | None],
                       messages: dict[int, str] | None = None) -> Any:
    case = cls("test_pass")
    case.setUp()
    case.processes = [_Process(100 + i, code) for i, code in enumerate(codes)]
    case.pid_to_pipe = {100 + i: _Pipe((messages or {}).get(i, "")) for i in range(len(codes))}
    return case


def _outcome(case: Any, codes: list[int | None]) -> tuple[str, str]:
    try:
        case._check_return_codes(1.5)
    except unittest.SkipTest as skip:
        return "skip", str(skip)
    except Exception as err:
        return type(err).__name__, str(err)
    return "pass", ""


def test_all_workers_exiting_with_zero_is_a_pass() -> None:
    assert _outcome(_main_process_case(_Case, [0, 0]), [0, 0]) == ("pass", "")


def test_a_worker_error_fails_with_its_traceback() -> None:
    case = _main_process_case(_Case, [0, 10], {1: "Traceback ...\nValueError: worker broke\n"})
    with pytest.raises(RuntimeError, match=r"Process 1 exited with error code 10 and exception:\n"
                                           r"Traceback \.\.\.\nValueError: worker broke"):
        case._check_return_codes(1.5)


@pytest.mark.parametrize(
    ("codes", "outcome"),
    [
        ([13, 13], ("skip", TEST_SKIPS["generic"].message)),
        ([11, 0], ("skip", "CUDA is not available.")),
        ([-15, 0], ("skip", "Skip test test_pass due to the program abort")),
        ([0, None], ("RuntimeError", "Process 1 terminated or timed out after 1.5 seconds")),
    ],
)
def test_other_exit_codes(codes: list[int | None], outcome: tuple[str, str]) -> None:
    assert _outcome(_main_process_case(_Case, codes), codes) == outcome


@pytest.mark.parametrize("codes", [[0, 10], [13, 13], [11, 0], [-15, 0], [0, None], [0, 0]])
def test_exit_codes_are_judged_like_mmengine(codes: list[int | None]) -> None:
    engine = pytest.importorskip("mmengine.testing._internal")

    engine_base: Any = engine.MultiProcessTestCase

    class EngineCase(engine_base):
        def test_pass(self) -> None:
            pass

    ours = _outcome(_main_process_case(_Case, codes, {1: "tb"}), codes)
    theirs = _outcome(_main_process_case(EngineCase, codes, {1: "tb"}), codes)
    if codes == [0, 0]:
        # the one deliberate difference: mmengine reports a passing test as skipped
        assert ours == ("pass", "")
        assert theirs == ("skip", "Skip test test_pass due to the program abort")
    elif codes == [0, None]:  # mmengine forgets the f of its f-string
        assert ours[0] == theirs[0] == "RuntimeError"
        assert theirs[1] == "Process 1 terminated or timed out after {elapsed_time} seconds"
    else:
        assert ours == theirs


def test_skip_return_code_checks_only_require_no_error() -> None:
    case = _main_process_case(_Case, [3, 0])
    case.skip_return_code_checks.append(case.test_pass)
    case._check_no_test_errors(0.5)
    case.processes[0].exitcode = 10
    with pytest.raises(AssertionError):
        case._check_no_test_errors(0.5)
    case.processes[0].exitcode = None
    with pytest.raises(RuntimeError, match=r"Process 0 timed out after 0\.5 seconds"):
        case._check_no_test_errors(0.5)


def test_join_stops_waiting_after_the_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    class Impatient(_Case):
        @property
        def timeout(self) -> int:
            return 0

    case = _main_process_case(Impatient, [0, None])
    case._get_timedout_process_traceback = lambda: None
    with pytest.raises(RuntimeError, match="terminated or timed out"):
        case._join_processes(case.test_pass)
    assert case.processes[1].terminated
    assert all(pipe.closed for pipe in case.pid_to_pipe.values())
    assert "Timing out after 0 seconds and killing subprocesses." in capsys.readouterr().out


def test_worker_runs_the_method_and_reports_by_exit_code() -> None:
    case = _Case("test_pass")
    case.rank = 0
    parent, child = multiprocessing.Pipe()
    case.run_test("test_pass", child)  # returns: the process would exit with 0
    assert child.closed

    failing = _Case("test_raise")
    failing.rank = 1
    parent, child = multiprocessing.Pipe()
    with pytest.raises(SystemExit) as exit_info:
        failing.run_test("test_raise", child)
    assert exit_info.value.code == MultiProcessTestCase.TEST_ERROR_EXIT_CODE
    assert "ValueError: worker broke" in parent.recv()

    skipping = _Case("test_skip")
    skipping.rank = 0
    parent, child = multiprocessing.Pipe()
    with pytest.raises(SystemExit) as exit_info:
        skipping.run_test("test_skip", child)
    assert exit_info.value.code == TEST_SKIPS["generic"].exit_code


def test_construction() -> None:
    with pytest.raises(ValueError, match=r"no such test method in .*: test_missing"):
        _Case(methodName="test_missing")
    assert _Case(method_name="test_pass")._testMethodName == "test_pass"
    case = _Case()  # no method: allowed, as unittest allows it
    assert case.rank == MultiProcessTestCase.MAIN_PROCESS_RANK
    assert not case.is_master
    case.rank = 0
    assert case.is_master
    assert (case.world_size, case.timeout) == (2, 1000)


class TestTwoGlooWorkers(MultiProcessTestCase):
    """The one test here on real processes, written as a downstream suite writes one. pytest
    imports this file with ``--import-mode=importlib``, so the workers find the class by the
    file's path."""

    def setUp(self) -> None:
        super().setUp()
        self._spawn_processes()

    def prepare_subprocess(self) -> None:
        torch.set_num_threads(1)

    def test_all_reduce(self) -> None:
        torch_dist.init_process_group("gloo", init_method=f"file://{self.file_name}",
                                      rank=self.rank, world_size=self.world_size)
        self.assertEqual((get_rank(), get_world_size()), (self.rank, 2))
        data = torch.tensor([float(self.rank + 1)])
        all_reduce(data)
        self.assertEqual(data.item(), 3.0)
        torch_dist.destroy_process_group()
