"""One live run per work_dir: a second process is refused at once (exit 2), naming the holder;
a SIGKILLed holder blocks nobody; one process may build several Runners on one work_dir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from torch import nn

from mmlight.model import BaseModel
from mmlight.runner import Runner
from mmlight.runner.work_dir_lock import LOCK_NAME, WorkDirInUseError, hold_work_dir

HOLD = textwrap.dedent("""
    import sys, time
    from mmlight.runner.work_dir_lock import hold_work_dir
    class Owner: pass
    owner = Owner()
    hold_work_dir(owner, sys.argv[1])
    print("held", flush=True)
    time.sleep(120)
""")

MODEL_MODULE = textwrap.dedent("""
    import os
    from torch import nn
    from mmlight.model import BaseModel
    from mmlight.registry import MODELS

    @MODELS.register_module()
    class LockProbeNet(BaseModel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            open(os.environ["MODEL_BUILT_MARKER"], "w").close()
            self.fc = nn.Linear(2, 2)

        def forward(self, inputs, data_samples=None, mode="tensor"):
            return inputs
""")

CONFIG = textwrap.dedent("""
    custom_imports = dict(imports=["lock_probe"], allow_failed_imports=False)
    model = dict(type="LockProbeNet")
    train_dataloader = dict(batch_size=2, dataset=[], sampler=dict(type="DefaultSampler"))
    train_cfg = dict(by_epoch=True, max_epochs=1)
    optim_wrapper = dict(optimizer=dict(type="SGD", lr=0.1))
""")


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(tmp_path), MODEL_BUILT_MARKER=str(tmp_path / "built"),
                PYTHONWARNINGS="ignore")


def _start_holder(work_dir: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(work_dir)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_second_process_fails_at_once_with_exit_2_naming_the_holder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "lock_probe.py").write_text(MODEL_MODULE)
    (tmp_path / "cfg.py").write_text(CONFIG)
    holder = _start_holder(work)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mmlight.cli.train", str(tmp_path / "cfg.py"), "--work-dir",
             str(work)], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True,
            timeout=120,
        )
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        holder.stdout.close()  # type: ignore[union-attr]
    assert result.returncode == 2, result.stderr
    assert f"work_dir {work} is in use by another run (pid {holder.pid} on host " \
           f"{socket.gethostname()}, started " in result.stderr
    assert "Wait for that run to end, or give this run another work_dir (--work-dir" \
        in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "built").exists()  # refused before the model was built
    assert sorted(os.listdir(work)) == [LOCK_NAME]  # and before anything was written


def test_sigkilled_holder_does_not_block_the_next_run(tmp_path: Path) -> None:
    holder = _start_holder(tmp_path)
    holder.send_signal(signal.SIGKILL)
    assert holder.wait(timeout=30) == -signal.SIGKILL
    holder.stdout.close()  # type: ignore[union-attr]
    owner = _Owner()
    hold_work_dir(owner, str(tmp_path))  # the kernel dropped the dead holder's lock
    assert f'"pid": {os.getpid()}' in (tmp_path / LOCK_NAME).read_text()


class _Owner:
    pass


def test_other_process_is_refused_while_this_one_holds(tmp_path: Path) -> None:
    owner = _Owner()
    hold_work_dir(owner, str(tmp_path))
    result = subprocess.run([sys.executable, "-c", HOLD, str(tmp_path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert f"is in use by another run (pid {os.getpid()} on host" in result.stderr
    del owner  # the last Runner of this process is gone: the lock goes with it
    result = subprocess.run(
        [sys.executable, "-c", HOLD.replace("time.sleep(120)", ""), str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr


class _Tiny(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        return inputs


def test_same_process_may_build_several_runners_on_one_work_dir(tmp_path: Path) -> None:
    first = Runner(model=_Tiny(), work_dir=str(tmp_path), log_level="WARNING",
                   experiment_name="lock_first")
    second = Runner(model=_Tiny(), work_dir=str(tmp_path), log_level="WARNING",
                    experiment_name="lock_second")
    assert first.work_dir == second.work_dir == str(tmp_path)
    from mmlight.cli.errors import exit_code_for

    # Raised wherever, the CLIs treat it as bad input.

    assert exit_code_for(WorkDirInUseError("x"), "run") == 2


def test_remote_work_dir_warns_once_that_it_cannot_be_locked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mmlight.logging

    messages: list[str] = []
    monkeypatch.setattr(mmlight.logging, "print_log", lambda msg, **kw: messages.append(msg))
    owners = [_Owner(), _Owner()]
    for owner in owners:
        hold_work_dir(owner, "memory://lock-test/exp")
    assert len(messages) == 1
    assert messages[0].startswith("work_dir memory://lock-test/exp is not on a local file "
                                  "system, so mmlight cannot lock it")


def test_a_run_that_does_not_train_shares_the_work_dir(tmp_path: Path) -> None:
    """Testing a checkpoint while training goes on in its work_dir is MMEngine's everyday
    workflow: such a Runner is built and may evaluate; only train() is refused, before it
    writes anything, and the config dump of the run in progress is left alone."""
    from mmlight.config import Config
    from tests.runner.test_runner_checkpoint import make_runner

    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "exp.py").write_text("seed = 1\n")
    holder = _start_holder(work)
    try:
        runner = make_runner(work, cfg=Config.fromfile(tmp_path / "exp.py"))
        with pytest.raises(WorkDirInUseError, match=rf"^work_dir {work} is in use by another "
                                                    rf"run \(pid {holder.pid} on host "):
            runner.train()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        holder.stdout.close()  # type: ignore[union-attr]
    assert not (work / "exp.py").exists()
    assert not list(work.glob("*.pth")) and not (work / "last_checkpoint").exists()
    runner.train()  # the holder is gone: this run takes the folder
    assert (work / "epoch_2.pth").exists()
