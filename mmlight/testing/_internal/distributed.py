"""``MultiProcessTestCase``: one unittest method run by ``world_size`` spawned processes.

The test instance in the main process (rank ``MAIN_PROCESS_RANK``) only spawns the workers (the
subclass calls ``self._spawn_processes()`` in ``setUp``) and waits for them; each worker
re-creates the test case by name, gets its rank, and runs the method body. A worker reports an
exception by its exit code (``TEST_ERROR_EXIT_CODE``) and by sending the traceback through a
pipe, so the main process can raise it as the test's failure. This is the protocol of
``mmengine.testing._internal`` (itself taken from PyTorch's distributed test harness), with one
deliberate difference: when every worker exits with 0 the test *passes*, where mmengine 0.10.7
reports it as skipped ("... due to the program abort"). A worker that ends any other way (killed
by a signal, a non-zero code that is not a skip code) is still reported as a skip, as mmengine
does, since on a loaded CI machine that is rarely the tested code's fault.
"""

from __future__ import annotations

import faulthandler
import importlib
import importlib.util
import logging
import multiprocessing.connection
import sys
import tempfile
import threading
import time
import traceback
import types
import unittest
from collections.abc import Callable
from enum import Enum
from functools import wraps
from typing import Any, NamedTuple

import torch.multiprocessing

__all__ = ["TEST_SKIPS", "MultiProcessTestCase", "TestSkip"]

logger = logging.getLogger(__name__)


class TestSkip(NamedTuple):
    """An exit code a worker uses to say "skip this test", and the skip's reason."""

    exit_code: int
    message: str


# The codes mmengine's workers use (the same numbers, so mixed harnesses agree).
TEST_SKIPS: dict[str, TestSkip] = {
    "backend_unavailable": TestSkip(10, "Skipped because distributed backend is not available."),
    "no_cuda": TestSkip(11, "CUDA is not available."),
    "multi-gpu-2": TestSkip(12, "Need at least 2 CUDA device"),
    "generic": TestSkip(13, "Test skipped at subprocess level, look at subprocess log for "
                            "skip reason"),
}


class _ClassAddress(NamedTuple):
    """Where a worker finds the test class: its module's name, that module's file, its
    qualified name. The file is the fallback for modules that are not importable by name in a
    fresh process (pytest's ``--import-mode=importlib`` imports test files that way)."""

    module: str
    file: str | None
    qualname: str

    @classmethod
    def of(cls, test_class: type) -> _ClassAddress:
        module = sys.modules.get(test_class.__module__)
        return cls(test_class.__module__, getattr(module, "__file__", None),
                   test_class.__qualname__)

    def load(self) -> Any:
        try:
            module = importlib.import_module(self.module)
        except ImportError:
            if self.file is None:
                raise
            spec = importlib.util.spec_from_file_location(self.module, self.file)
            if spec is None or spec.loader is None:
                raise
            module = importlib.util.module_from_spec(spec)
            sys.modules[self.module] = module
            spec.loader.exec_module(module)
        found: Any = module
        for part in self.qualname.split("."):
            found = getattr(found, part)
        return found


def _worker_main(address: _ClassAddress, rank: int, test_name: str, file_name: str,
                 parent_pipe: Any) -> None:
    """Spawned worker's target: find the test class, then run ``cls._run`` as mmengine does."""
    address.load()._run(rank, test_name, file_name, parent_pipe)


class MultiProcessTestCase(unittest.TestCase):
    """Runs each test method in ``world_size`` processes; see the module docstring."""

    MAIN_PROCESS_RANK = -1
    # exit code of a worker whose test raised (distinct from 0, which sys.exit() tests may use)
    TEST_ERROR_EXIT_CODE = 10

    class Event(Enum):
        """Requests the main process sends a worker's listener thread."""

        GET_TRACEBACK = 1

    def __init__(self, method_name: str = "runTest", methodName: str = "runTest") -> None:
        # both spellings: unittest passes ``methodName``, older callers ``method_name``
        if methodName != "runTest":
            method_name = methodName
        super().__init__(method_name)
        self.rank = self.MAIN_PROCESS_RANK
        self.processes: list[Any] = []
        self.pid_to_pipe: dict[int, Any] = {}
        self.skip_return_code_checks: list[Callable[..., Any]] = []
        self.file_name = ""
        try:
            method = getattr(self, method_name)
        except AttributeError as err:
            if methodName != "runTest":
                raise ValueError(
                    f"no such test method in {self.__class__}: {methodName}") from err
        else:
            setattr(self, method_name, self.join_or_run(method))

    # --- knobs a subclass overrides -------------------------------------------------------

    @property
    def world_size(self) -> int:
        """How many worker processes run each test."""
        return 2

    @property
    def timeout(self) -> int:
        """Seconds the main process waits for its workers before terminating them."""
        return 1000

    def prepare_subprocess(self) -> None:
        """Called in each worker before its rank is set and the test runs."""

    @property
    def is_master(self) -> bool:
        return self.rank == 0

    def _should_stop_test_suite(self) -> bool:
        # a failing distributed test should not stop the others
        return False

    # --- main process ---------------------------------------------------------------------

    def setUp(self) -> None:
        super().setUp()
        self.skip_return_code_checks = []
        self.processes = []
        self.rank = self.MAIN_PROCESS_RANK
        # a file the workers can share (e.g. for a ``file://`` init method)
        with tempfile.NamedTemporaryFile(delete=False) as shared:
            self.file_name = shared.name
        self.pid_to_pipe = {}

    def tearDown(self) -> None:
        super().tearDown()
        for process in self.processes:
            process.terminate()
        # the runner keeps test cases alive: drop the processes' file descriptors now
        self.processes = []

    def join_or_run(self, fn: Callable[[], Any]) -> Callable[[], Any]:
        """Wrap a test method: the main process joins the workers, a worker runs ``fn``."""

        @wraps(fn)
        def wrapper(self: MultiProcessTestCase) -> None:
            if self.rank == self.MAIN_PROCESS_RANK:
                self._join_processes(fn)
            else:
                fn()

        return types.MethodType(wrapper, self)

    def _current_test_name(self) -> str:
        return self.id().split(".")[-1]

    def _start_processes(self, proc: Any) -> None:
        self.processes = []
        for rank in range(int(self.world_size)):
            parent_conn, child_conn = torch.multiprocessing.Pipe()
            process = proc(target=_worker_main, name=f"process {rank}",
                           args=(_ClassAddress.of(self.__class__), rank,
                                 self._current_test_name(), self.file_name, child_conn))
            process.start()
            self.pid_to_pipe[process.pid] = parent_conn
            self.processes.append(process)

    def _spawn_processes(self) -> None:
        """Start the workers with the ``spawn`` method (safe with threads and CUDA)."""
        self._start_processes(torch.multiprocessing.get_context("spawn").Process)

    def _join_processes(self, fn: Callable[[], Any]) -> None:
        start = time.time()
        try:
            while True:
                failed = [i for i, p in enumerate(self.processes)
                          if p.exitcode == self.TEST_ERROR_EXIT_CODE]
                if failed:
                    print(f"Process {failed[0]} terminated with exit code "
                          f"{self.TEST_ERROR_EXIT_CODE}, terminating remaining processes.")
                    for child in torch.multiprocessing.active_children():
                        child.terminate()
                    break
                if all(p.exitcode is not None for p in self.processes):
                    break
                if time.time() - start > self.timeout:
                    self._get_timedout_process_traceback()
                    print(f"Timing out after {self.timeout} seconds and killing subprocesses.")
                    for process in self.processes:
                        process.terminate()
                    break
                time.sleep(0.1)
            elapsed = time.time() - start
            if fn in self.skip_return_code_checks:
                self._check_no_test_errors(elapsed)
            else:
                self._check_return_codes(elapsed)
        finally:
            for pipe in self.pid_to_pipe.values():
                pipe.close()

    def _get_timedout_process_traceback(self) -> None:
        """Log the stacks of the workers still running (asked through their pipes)."""
        asked = []
        for rank, process in enumerate(self.processes):
            if process.exitcode is not None:
                continue
            pipe = self.pid_to_pipe[process.pid]
            try:
                pipe.send(self.Event.GET_TRACEBACK)
                asked.append((rank, pipe))
            except ConnectionError as err:
                logger.error(f"Encountered error while trying to get traceback for process "
                             f"{rank}: {err}")
        for rank, pipe in asked:
            try:
                if not pipe.poll(5):
                    logger.error(f"Could not retrieve traceback for timed out process: {rank}")
                elif pipe.closed:
                    logger.info(f"Pipe closed for process {rank}, cannot retrieve traceback")
                else:
                    logger.error(f"Process {rank} timed out with traceback: \n\n{pipe.recv()}")
            except ConnectionError as err:
                logger.error(f"Encountered error while trying to get traceback for process "
                             f"{rank}: {err}")

    def _check_no_test_errors(self, elapsed_time: float) -> None:
        """Only require that no worker raised (for tests that exit with other codes)."""
        for rank, process in enumerate(self.processes):
            if process.exitcode is None:
                raise RuntimeError(f"Process {rank} timed out after {elapsed_time} seconds")
            self.assertNotEqual(self.TEST_ERROR_EXIT_CODE, process.exitcode)

    def _check_return_codes(self, elapsed_time: float) -> None:
        """Fail with the workers' tracebacks, skip on a skip code, pass when all exit with 0."""
        errors = [
            f"Process {rank} exited with error code {self.TEST_ERROR_EXIT_CODE} and exception:\n"
            f"{self.pid_to_pipe[process.pid].recv()}\n"
            for rank, process in enumerate(self.processes)
            if process.exitcode == self.TEST_ERROR_EXIT_CODE
        ]
        if errors:
            raise RuntimeError("".join(errors))
        for rank, process in enumerate(self.processes):
            if process.exitcode is None:
                raise RuntimeError(
                    f"Process {rank} terminated or timed out after {elapsed_time} seconds")
        first_code = self.processes[0].exitcode if self.processes else 0
        for skip in TEST_SKIPS.values():
            if first_code == skip.exit_code:
                raise unittest.SkipTest(skip.message)
        if all(process.exitcode == 0 for process in self.processes):
            return
        # a worker killed or ended abnormally without a test error: mmengine's verdict
        self.skipTest(f"Skip test {self._testMethodName} due to the program abort")

    # --- worker process -------------------------------------------------------------------

    @classmethod
    def _run(cls, rank: int, test_name: str, file_name: str, parent_pipe: Any) -> None:
        """Entry point of a spawned worker: rebuild the test case and run one method."""
        self = cls(test_name)
        try:
            self.prepare_subprocess()
        except Exception:
            sys.exit(cls.TEST_ERROR_EXIT_CODE)
        self.rank = rank
        self.file_name = file_name
        self.run_test(test_name, parent_pipe)

    @staticmethod
    def _event_listener(parent_pipe: Any, signal_pipe: Any, rank: int) -> None:
        """Answer the main process's requests until the test ends (``signal_pipe`` fires)."""
        while True:
            ready = multiprocessing.connection.wait([parent_pipe, signal_pipe])
            if parent_pipe in ready:
                if parent_pipe.closed:
                    return
                event = parent_pipe.recv()
                if event == MultiProcessTestCase.Event.GET_TRACEBACK:
                    with tempfile.NamedTemporaryFile(mode="r+") as dump:
                        faulthandler.dump_traceback(dump)
                        dump.flush()
                        dump.seek(0)
                        parent_pipe.send(dump.read())
            if signal_pipe in ready:
                return

    def run_test(self, test_name: str, parent_pipe: Any) -> None:
        """Run the test method in this worker; exit with a code that tells the outcome."""
        signal_recv, signal_send = torch.multiprocessing.Pipe(duplex=False)
        listener = threading.Thread(target=MultiProcessTestCase._event_listener,
                                    args=(parent_pipe, signal_recv, self.rank), daemon=True)
        listener.start()
        try:
            getattr(self, test_name)()
        except unittest.SkipTest as skip:
            logger.info(f"Process {self.rank} skipping test {test_name} for following reason: "
                        f"{skip}")
            sys.exit(TEST_SKIPS["generic"].exit_code)
        except Exception:
            logger.error(f"Caught exception: \n{traceback.format_exc()} exiting process "
                         f"{self.rank} with exit code: {self.TEST_ERROR_EXIT_CODE}")
            parent_pipe.send(traceback.format_exc())
            sys.exit(self.TEST_ERROR_EXIT_CODE)
        finally:
            signal_send.send(None)
            listener.join()
            parent_pipe.close()
