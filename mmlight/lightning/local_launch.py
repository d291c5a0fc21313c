"""Launching from one process: ``python train.py`` with ``trainer=dict(devices=2, ...)``.

MMEngine needs an external launcher for several processes. Lightning's ``'ddp'`` strategy
instead re-runs the script once per extra device when the Trainer starts - too late for
mmlight, whose Runner builds samplers (which shard by rank) long before. So the Runner starts
the extra ranks itself, in ``__init__``: it re-runs ``sys.argv`` with torchrun's environment
variables (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``,
``MASTER_ADDR``, ``MASTER_PORT``) and carries on as rank 0. From there on every process is
indistinguishable from one started by ``torchrun`` (``launcher='pytorch'``).

A watcher thread ends the whole job when a child rank dies (a rank blocked in a collective
would otherwise wait forever), and rank 0 waits for its children when it exits.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["LocalLaunchError", "launch_local_ranks", "requested_processes"]

# Set in every process of a local launch; a child seeing it must not launch again.
LAUNCH_MARKER = "MMLIGHT_LOCAL_LAUNCH"
# Strategies that start their processes inside ``Trainer.fit`` (after mmlight built the data).
_SELF_SPAWNING = ("spawn", "fork", "notebook")


class LocalLaunchError(ValueError):
    """Trainer settings that ask for several processes in a way mmlight cannot start."""


def _parse_devices(devices: Any, accelerator: Any) -> int:
    if isinstance(devices, (list, tuple)):
        return len(devices)
    if isinstance(devices, str):
        text = devices.strip()
        if text == "auto":
            return 1
        if "," in text:
            return len([part for part in text.split(",") if part.strip()])
        if not text.lstrip("-").isdigit():
            raise LocalLaunchError(f"trainer.devices={devices!r} is not a number of devices")
        devices = int(text)
    if devices is None:
        return 1
    if not isinstance(devices, int):
        raise LocalLaunchError(f"trainer.devices={devices!r} is not a number of devices")
    if devices == -1:
        import torch

        if accelerator in ("cpu",) or not torch.cuda.is_available():
            raise LocalLaunchError(
                "trainer.devices=-1 ('all') only counts GPUs; on CPU give the number of "
                "processes, e.g. trainer.devices=2"
            )
        return int(torch.cuda.device_count())
    return devices


def requested_processes(trainer_kwargs: dict[str, Any]) -> int:
    """How many processes on this machine the ``trainer`` settings ask for (1 = no launch)."""
    count = _parse_devices(trainer_kwargs.get("devices"), trainer_kwargs.get("accelerator"))
    if count <= 1:
        return 1
    strategy = trainer_kwargs.get("strategy")
    name = strategy if isinstance(strategy, str) else ""
    start_method = getattr(strategy, "_start_method", "popen")
    if any(word in name for word in _SELF_SPAWNING) or start_method != "popen":
        raise LocalLaunchError(
            f"trainer.strategy={strategy!r} starts its processes inside Trainer.fit, after "
            "mmlight has built the rank-sharded data; use strategy='ddp' (mmlight starts the "
            "ranks itself) or launch with torchrun and launcher='pytorch'"
        )
    num_nodes = int(trainer_kwargs.get("num_nodes") or 1)
    if num_nodes != 1:
        raise LocalLaunchError(
            f"trainer.num_nodes={num_nodes}: a run started from one process uses one machine; "
            "for several machines start every node with torchrun (launcher='pytorch') or srun "
            "(launcher='slurm')"
        )
    return count


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _script_command() -> list[str]:
    """The command that started this process, so each child runs the same program."""
    import __main__

    spec = getattr(__main__, "__spec__", None)
    if spec is None:
        return [sys.executable, os.path.abspath(sys.argv[0]), *sys.argv[1:]]
    return [sys.executable, "-m", spec.name, *sys.argv[1:]]


def is_launched_child() -> bool:
    """True in a process started by ``launch_local_ranks`` (any rank, 0 included)."""
    return LAUNCH_MARKER in os.environ


def launch_local_ranks(num_processes: int) -> list[subprocess.Popen[bytes]]:
    """Start ranks 1..N-1 as copies of this program and turn this process into rank 0.

    In a child (or when this process already is a rank of a launched job) nothing is
    started. The environment of this process gets rank 0's torchrun variables.
    """
    if is_launched_child():
        return []
    common = {
        LAUNCH_MARKER: "1",
        "WORLD_SIZE": str(num_processes),
        "LOCAL_WORLD_SIZE": str(num_processes),
        "GROUP_RANK": "0",
        "NODE_RANK": "0",
        "MASTER_ADDR": os.environ.get("MASTER_ADDR", "127.0.0.1"),
        "MASTER_PORT": os.environ.get("MASTER_PORT") or str(_free_port()),
    }
    os.environ.update(common, RANK="0", LOCAL_RANK="0")
    command = _script_command()
    children = []
    for rank in range(1, num_processes):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank))
        children.append(subprocess.Popen(command, env=env))
    _watch(children)
    return children


def _watch(children: Sequence[subprocess.Popen[bytes]]) -> None:
    """End the job when a child fails; make rank 0 wait for its children on exit."""
    main_pid = os.getpid()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for child in children:
                code = child.poll()
                if code not in (None, 0):
                    sys.stderr.write(
                        f"mmlight: rank process {child.pid} exited with code {code}; "
                        "stopping the other ranks\n"
                    )
                    for other in children:
                        if other.poll() is None:
                            other.kill()
                    os.kill(main_pid, signal.SIGKILL)
                    return
            if all(child.poll() == 0 for child in children):
                return
            time.sleep(0.5)

    previous_hook = sys.excepthook
    failed = threading.Event()

    def note_failure(*args: Any) -> None:
        failed.set()  # rank 0 dies: the children would wait in a collective forever
        previous_hook(*args)

    def wait_for_children() -> None:
        done.set()
        for child in children:
            if failed.is_set():
                child.kill()
            try:
                child.wait(timeout=300)
            except subprocess.TimeoutExpired:
                child.kill()
        codes = [child.returncode for child in children]
        if not failed.is_set() and any(codes):
            sys.stderr.write(f"mmlight: rank processes exited with codes {codes}\n")
            sys.stderr.flush()
            os._exit(1)

    sys.excepthook = note_failure
    threading.Thread(target=watch, name="mmlight-rank-watcher", daemon=True).start()
    atexit.register(wait_for_children)
