"""No value read from a checkpoint is ever executed, imported or parsed as a config, and
none makes the loader allocate more than the file's size justifies.

The checkpoints here are plain data (they load with a bare ``torch.load(weights_only=True)``
and pass ``check_checkpoint_safe``); their strings carry Python code, ``{{...}}`` templates,
dotted names and ``custom_imports`` requests. Every Runner entry point loads them, and a run
resumed from one trains to its end; a marker file proves nothing ran. (The command-line entry
points are driven in tests/cli/test_unsafe_load.py.)
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.logging import HistoryBuffer
from mmlight.runner import Runner
from mmlight.runner.checkpoint import (
    CheckpointDataRefusedError,
    UnsafeCheckpointError,
    _load_checkpoint,
    check_checkpoint_safe,
    load_checkpoint,
    save_checkpoint,
)
from mmlight.runner.safe_checkpoint import TYPE_TAG
from tests.crafted_pickle import (
    BINPERSID,
    MARK,
    NONE,
    REDUCE,
    TUPLE,
    TUPLE1,
    global_,
    integer,
    legacy_checkpoint,
    pickle_of,
    text,
)
from tests.runner.checkpoint_poison import PROBE_MODULE, plant_probe_module, poison
from tests.runner.test_runner_checkpoint import ToyModel, make_runner


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real one-epoch checkpoint (weights, optimizer, schedulers, message hub, RNG)."""
    work = tmp_path_factory.mktemp("trained")
    make_runner(work, train_cfg=dict(by_epoch=True, max_epochs=1)).train()
    return work / "epoch_1.pth"


@pytest.fixture()
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file a payload would create; the probe module is importable while the test runs."""
    path = tmp_path / "PWNED"
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    plant_probe_module(probe_dir, path)
    monkeypatch.syspath_prepend(str(probe_dir))
    yield path
    sys.modules.pop(PROBE_MODULE, None)


def _write(trained: Path, target: Path, marker: Path, everywhere: bool) -> Path:
    checkpoint = torch.load(trained, weights_only=True)
    torch.save(poison(checkpoint, marker, everywhere=everywhere), target)
    assert check_checkpoint_safe(target) == []  # nothing for the allow-list to refuse
    torch.load(target, weights_only=True)  # and no allow-list needed at all
    return target


def _built(runner: Runner) -> Runner:
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    runner.param_schedulers = runner.build_param_scheduler(runner.param_schedulers)
    return runner


def test_meta_config_is_never_executed_on_resume(
    trained: Path, tmp_path: Path, marker: Path
) -> None:
    """mmcv checkpoints keep their config text in meta['config']; resume reads gpu_ids from it
    without running it (it used to go through Config.fromstring(..., '.py'))."""
    evil = _write(trained, tmp_path / "config.pth", marker, everywhere=False)
    runner = _built(make_runner(tmp_path / "w", train_cfg=dict(by_epoch=True, max_epochs=2)))
    runner.resume(str(evil))
    assert (runner.epoch, runner.iter) == (1, 2)
    assert not marker.exists()


def test_gpu_ids_are_read_without_running_the_config(tmp_path: Path) -> None:
    from mmlight.runner.runner_checkpoint import gpu_ids_in_config

    assert gpu_ids_in_config("gpu_ids = range(0, 4)\nx = 1\n") == 4
    assert gpu_ids_in_config("gpu_ids = [0, 1]\n") == 2
    assert gpu_ids_in_config("model = dict(type='X')\n") is None
    assert gpu_ids_in_config("gpu_ids = list(range(__import__('os').getpid()))") is None
    assert gpu_ids_in_config("if True:\n    gpu_ids = [0]\n") is None  # top level only
    assert gpu_ids_in_config("gpu_ids = range(0, 10**12)") is None  # not a literal
    assert gpu_ids_in_config("def (") is None
    assert gpu_ids_in_config("(" * 5000) is None  # too deep for the parser: ignored


def test_gpu_count_check_still_refuses_a_different_world_size(
    trained: Path, tmp_path: Path
) -> None:
    checkpoint = torch.load(trained, weights_only=True)
    checkpoint["meta"]["config"] = "gpu_ids = range(0, 8)\n"
    torch.save(checkpoint, tmp_path / "eight.pth")
    runner = _built(make_runner(tmp_path / "w"))
    with pytest.raises(RuntimeError, match="trained on 8 GPUs and this run has 1 processes"):
        runner.resume(str(tmp_path / "eight.pth"))


def test_code_in_every_string_field_never_runs(
    trained: Path, tmp_path: Path, marker: Path
) -> None:
    """resume, load_from, auto resume through last_checkpoint (training on to the end, with an
    EMAHook and a CheckpointHook that read the resumed state) and load_checkpoint."""
    evil = _write(trained, tmp_path / "evil.pth", marker, everywhere=True)

    resumed = _built(make_runner(tmp_path / "a", train_cfg=dict(by_epoch=True, max_epochs=2)))
    resumed.resume(str(evil))
    assert resumed.experiment_name != f"{PROBE_MODULE}.touch"
    assert not hasattr(resumed.param_schedulers[0], "custom_imports")  # no injected names
    assert resumed.message_hub.get_info("pwn_4") == PROBE_MODULE  # data stays data
    assert not marker.exists()

    loaded = make_runner(tmp_path / "b", load_from=str(evil),
                         default_hooks=dict(logger=None, checkpoint=None))
    loaded._train_loop = loaded.build_train_loop(loaded._train_loop)
    loaded.load_or_resume()
    assert loaded._has_loaded and not marker.exists()

    work = tmp_path / "c"
    work.mkdir()
    (work / "last_checkpoint").write_text(str(evil))
    auto = make_runner(work, resume=True, train_cfg=dict(by_epoch=True, max_epochs=2),
                       custom_hooks=[dict(type="EMAHook")])
    auto.train()
    assert auto.epoch == 2 and (work / "epoch_2.pth").exists()
    assert not marker.exists()

    model = ToyModel()
    checkpoint: Any = load_checkpoint(model, str(evil))
    assert checkpoint["meta"]["experiment_name"] == f"{PROBE_MODULE}.touch"
    assert not marker.exists()
    assert PROBE_MODULE not in sys.modules


# --------------------------------------------------- what a file may make the loader allocate
_HUGE = 10**11  # float64 elements: 745 GiB


class _HugeArray:
    """Pickles as ``numpy.ndarray((10**11,))``: a few bytes asking for 745 GiB."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (np.ndarray, ((_HUGE,),))


def _model() -> torch.nn.Module:
    return torch.nn.Linear(2, 2)


def test_a_tiny_file_asking_for_hundreds_of_gib_is_refused_naming_it(tmp_path: Path) -> None:
    """A 171-byte legacy-format file and a torch.save'd zip checkpoint: refused before numpy
    allocates (the old allow-list called numpy.ndarray(shape) itself), by every loader, with
    the loader's refusal type (an UnsafeCheckpointError: exit 2 on the command line)."""
    tiny = tmp_path / "tiny.pth"
    legacy_checkpoint(
        pickle_of(global_("numpy", "ndarray"), integer(_HUGE), TUPLE1, TUPLE1, REDUCE), tiny
    )
    saved = tmp_path / "saved.pth"
    torch.save({"state_dict": _model().state_dict(), "meta": {"cm": _HugeArray()}}, saved)
    assert tiny.stat().st_size == 171
    for path in (tiny, saved):
        size = path.stat().st_size
        refused = (
            rf"^refusing to load {re.escape(str(path))}: a numpy array of shape "
            rf"\(100000000000,\) and dtype float64 would take 800000000000 bytes, more than the "
            rf"{16 * size + (4 << 20)} bytes allowed for a file of {size} bytes "
            r"\(16 x its size \+ 4 MiB\): it is damaged or crafted$"
        )
        started = time.perf_counter()
        with pytest.raises(CheckpointDataRefusedError, match=refused) as error:
            load_checkpoint(_model(), str(path))
        assert isinstance(error.value, UnsafeCheckpointError)
        with pytest.raises(CheckpointDataRefusedError, match=refused):
            check_checkpoint_safe(path)  # not listed as a global to allow: no entry would help
        assert time.perf_counter() - started < 2
        runner = make_runner(tmp_path / f"w-{path.stem}")
        with pytest.raises(CheckpointDataRefusedError, match=refused):
            runner.load_checkpoint(str(path))


class _InjectedBuffer:
    """Pickles as a HistoryBuffer built (REDUCE) and then restored (BUILD) with a state that
    sets an attribute the class does not have."""

    def __reduce__(self) -> tuple[Any, ...]:
        state = {"max_length": 4, "_log_history": [1.0], "_count_history": [1],
                 "_statistics_methods": {"mean": "os.system"}}
        return (HistoryBuffer, (), state)


def test_a_history_buffer_with_an_injected_attribute_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "injected.pth"
    hub = {"log_scalars": {"train/loss": _InjectedBuffer()}, "runtime_info": {},
           "resumed_keys": {}}
    torch.save({"state_dict": _model().state_dict(), "message_hub": hub}, path)
    with pytest.raises(
        CheckpointDataRefusedError,
        match=rf"^refusing to load {re.escape(str(path))}: a restored HistoryBuffer may set only "
        r".*, but its state also sets '_statistics_methods'$",
    ):
        load_checkpoint(_model(), str(path))


_LOAD_IN_CHILD = """
import gc
import sys
from mmlight.runner.checkpoint import _load_checkpoint
try:
    loaded = _load_checkpoint(sys.argv[1], logger="silent")
    print("loaded", loaded["a"].dtype, "flags", loaded["a"].dtype.flags, flush=True)
    del loaded
except Exception as error:
    print(type(error).__name__, error, flush=True)
gc.collect()
print("done", flush=True)
"""


class _FlaggedDtype:
    """Pickles as ``numpy.dtype('f8', False, True)`` whose BUILD sets the flag 'items hold
    object references' (1, or 63 for all flags)."""

    def __init__(self, flags: int) -> None:
        self.flags = flags

    def __reduce__(self) -> tuple[Any, ...]:
        return (np.dtype, ("f8", False, True), (3, "<", None, None, None, -1, -1, self.flags))


class _ArrayOfFlaggedDtype:
    """Pickles as numpy pickles an array (``_reconstruct`` then BUILD), with that dtype and
    16 bytes of the file as its data."""

    def __init__(self, flags: int) -> None:
        self.flags = flags

    def __reduce__(self) -> tuple[Any, ...]:
        rebuild = (getattr(np, "_core", None) or np.core).multiarray._reconstruct
        state = (1, (2,), _FlaggedDtype(self.flags), False, b"A" * 16)
        return (rebuild, (np.ndarray, (0,), b"b"), state)


@pytest.mark.parametrize("flags", [1, 63])
def test_a_dtype_whose_state_the_file_rewrote_is_refused(tmp_path: Path, flags: int) -> None:
    """The old allow-list let a file rewrite a dtype's flags and build an array with it:
    float64 items that claim to be object references, i.e. the file's bytes used as
    pointers (numpy 2 stops with an internal error when the array is freed, numpy 1 would
    decref them). Loaded in a child process, where the old code's failure stays."""
    path = tmp_path / f"flags{flags}.pth"
    torch.save({"a": _ArrayOfFlaggedDtype(flags)}, path)
    child = subprocess.run(
        [sys.executable, "-c", _LOAD_IN_CHILD, str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert child.returncode == 0 and child.stderr == "", child.stderr
    assert child.stdout.splitlines() == [
        f"CheckpointDataRefusedError refusing to load {path}: a numpy dtype float64 whose "
        f"state the file rewrote (flags {flags})",
        "done",
    ]


def test_a_real_checkpoint_still_loads_with_plain_arrays(tmp_path: Path) -> None:
    """mmengine's buffers and numpy metrics next to a few MB of weights, and mmlight's own
    tagged arrays: all load, as plain numpy.ndarray and mmlight HistoryBuffers."""
    me_logging = pytest.importorskip("mmengine.logging")  # the dev extra's oracle

    hub = me_logging.MessageHub("budget-real")
    for i in range(200):
        hub.update_scalar("train/loss", 1.0 / (i + 1))
        hub.update_scalar("train/lr", np.float64(0.1))
    hub.update_info("best_score", np.float64(0.875))
    hub.update_info("val/cm", np.eye(300, dtype=np.float32))  # 360 kB of numpy data
    weights = {"w": torch.randn(1024, 1024)}  # 4 MB
    path = tmp_path / "mmengine.pth"
    torch.save({"state_dict": weights, "message_hub": hub.state_dict(),
                "meta": {"arrays": (np.arange(5), [np.ones(2, dtype=np.int8)])}}, path)
    checkpoint = load_checkpoint(_model(), str(path))
    info = checkpoint["message_hub"]["runtime_info"]
    assert type(info["val/cm"]) is np.ndarray and info["val/cm"].dtype == np.float32
    np.testing.assert_array_equal(info["val/cm"], np.eye(300))
    assert type(info["best_score"]) is np.float64
    arrays = checkpoint["meta"]["arrays"]
    assert type(arrays[0]) is np.ndarray and type(arrays[1][0]) is np.ndarray
    buffer = checkpoint["message_hub"]["log_scalars"]["train/loss"]
    assert type(buffer) is HistoryBuffer and len(buffer.data[0]) == 200
    assert torch.equal(checkpoint["state_dict"]["w"], weights["w"])

    ours = tmp_path / "mmlight.pth"
    big = np.arange(10**5, dtype=np.float64)  # stored as a tagged list
    save_checkpoint({"meta": {"big": big, "names": np.array(["a", "bc"] * 1000)}}, ours)
    decoded = _load_checkpoint(str(ours), decode=True)
    assert type(decoded["meta"]["big"]) is np.ndarray
    np.testing.assert_array_equal(decoded["meta"]["big"], big)
    assert decoded["meta"]["names"].dtype == np.dtype("<U2")


def test_tagged_data_cannot_multiply_past_the_file_size(tmp_path: Path) -> None:
    """mmlight's tagged arrays are plain lists, and a pickle names a list again in two bytes:
    a 2000 x 1000 array from one shared row. Decoding counts against the same budget as the
    unpickling (the old decoder copied the row 2000 times, then built the array)."""
    row = [0.0] * 1000
    path = tmp_path / "rows.pth"
    tagged = {TYPE_TAG: "numpy.ndarray", "shape": [2000, 1000], "dtype": "<f8",
              "data": [row] * 2000}
    torch.save({"state_dict": _model().state_dict(), "meta": {"cm": tagged}}, path)
    assert path.stat().st_size < 20_000
    runner = make_runner(tmp_path / "w")
    with pytest.raises(
        CheckpointDataRefusedError,
        match=rf"^refusing to load {re.escape(str(path))}: a numpy array of shape \(2000, 1000\) "
        r"and dtype float64 would take 16000000 bytes, more than",
    ):
        runner.load_checkpoint(str(path))


def test_a_remote_file_gets_the_budget_of_its_own_size() -> None:
    """fsspec files (here memory://) are sized by seeking to their end, like local ones."""
    import fsspec

    body = pickle_of(global_("numpy", "ndarray"), integer(_HUGE), TUPLE1, TUPLE1, REDUCE)
    with fsspec.open("memory://budget/tiny.pth", "wb") as stream:
        stream.write(legacy_checkpoint(body).getvalue())
    with pytest.raises(
        CheckpointDataRefusedError,
        match=r"^refusing to load memory://budget/tiny\.pth: a numpy array .* allowed for a file "
        r"of 171 bytes",
    ):
        load_checkpoint(_model(), "memory://budget/tiny.pth")


# ----------------------------------------------------------- torch's own allow-list
def _legacy_storage(numel: int) -> bytes:
    """A legacy-format pickle's persistent id: torch allocates the storage from ``numel``
    before it reads the storage's bytes (which this file does not even have)."""
    return (MARK + text("storage") + global_("torch", "FloatStorage") + text("0")
            + text("cpu") + integer(numel) + NONE + TUPLE + BINPERSID)


def _torch_attacks(size: int) -> dict[str, tuple[bytes, str]]:
    """Pickles calling what torch's default weights_only allow-list holds (mmlight cannot
    replace those names), asking for about ``size`` bytes; and what mmlight names."""
    return {
        "bytearray": (
            pickle_of(global_("builtins", "bytearray"), integer(size), TUPLE1, REDUCE),
            rf"builtins\.bytearray\({size}\) would take {size} bytes",
        ),
        "UntypedStorage": (
            pickle_of(global_("torch.storage", "UntypedStorage"), integer(size), TUPLE1, REDUCE),
            rf"torch\.storage\.UntypedStorage\({size}\) would take {size} bytes",
        ),
        "FloatStorage": (
            pickle_of(global_("torch", "FloatStorage"), integer(size // 4), TUPLE1, REDUCE),
            rf"torch\.FloatStorage\({size // 4}\) would take {size} bytes",
        ),
        "legacy storage": (
            pickle_of(_legacy_storage(size // 4)),
            rf"a legacy storage '0' of {size // 4} elements \(torch\.FloatStorage\) would take "
            rf"{size} bytes",
        ),
    }


@contextmanager
def _address_space_capped(extra: int = 1 << 30) -> Iterator[None]:
    """No more than ``extra`` bytes of new memory while the block runs: should a guard
    regress, the load fails instead of taking the machine's memory."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * resource.getpagesize()
    cap = in_use + extra if hard == resource.RLIM_INFINITY else min(hard, in_use + extra)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize("attack", list(_torch_attacks(2**40)))
def test_torchs_own_allow_list_cannot_allocate_past_the_file_size(
    tmp_path: Path, attack: str
) -> None:
    """A ~180-byte file asking torch's own allow-list for a TiB: refused before anything is
    allocated, by every loader, naming the file and the call (the old loader handed these to
    torch, which allocates and, for bytearray, zeroes whatever is asked: see the test below)."""
    body, asked = _torch_attacks(2**40)[attack]
    path = tmp_path / "tiny.pth"
    legacy_checkpoint(body, path)
    size = path.stat().st_size
    refused = (
        rf"^refusing to load {re.escape(str(path))}: {asked}, more than the "
        rf"{16 * size + (4 << 20)} bytes allowed for a file of {size} bytes "
        r"\(16 x its size \+ 4 MiB\): it is damaged or crafted$"
    )
    started = time.perf_counter()
    with _address_space_capped():
        with pytest.raises(CheckpointDataRefusedError, match=refused):
            load_checkpoint(_model(), str(path))
        with pytest.raises(CheckpointDataRefusedError, match=refused):
            check_checkpoint_safe(path)
        with pytest.raises(CheckpointDataRefusedError, match=refused):
            _load_checkpoint(str(path), map_location="meta")
    assert time.perf_counter() - started < 1


_CHILD = """
import resource, sys, warnings
import torch
from mmlight.runner.checkpoint import CheckpointDataRefusedError, load_checkpoint
warnings.simplefilter("ignore")
with open("/proc/self/statm") as statm:
    in_use = int(statm.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (in_use + (1 << 30), resource.RLIM_INFINITY))
for path in sys.argv[1:]:
    try:
        torch.load(path, weights_only=True)
        torch_says = "loaded"
    except MemoryError:
        torch_says = "out of memory"
    except RuntimeError as error:
        torch_says = "out of memory" if "alloc" in str(error) else "RuntimeError"
    except Exception as error:
        torch_says = type(error).__name__
    try:
        load_checkpoint(torch.nn.Linear(2, 2), path, logger="silent")
        mmlight_says = "loaded"
    except CheckpointDataRefusedError:
        mmlight_says = "refused"
    except Exception as error:
        mmlight_says = type(error).__name__
    print(torch_says, mmlight_says, flush=True)
"""


def test_plain_torch_allocates_what_these_files_ask_and_mmlight_refuses(tmp_path: Path) -> None:
    """In a child whose address space is capped at 1 GiB more than it uses: a bare
    torch.load(weights_only=True) of each 2 GiB ask fails for want of memory (it really tries
    to allocate: this is what the old loader did), mmlight refuses the same file. The
    legacy FloatStorage wrapper is not callable in torch 2.x (TypeError), refused all the
    same. A string declared longer than a legacy file is read into a buffer of that size."""
    attacks = {**_torch_attacks(2**31), "legacy string": (
        b"\x80\x02X" + (2**32 - 1).to_bytes(4, "little") + b"abc.", "")}
    paths = []
    for name, (body, _) in attacks.items():
        paths.append(tmp_path / f"{name.replace(' ', '_')}.pth")
        legacy_checkpoint(body, paths[-1])
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, paths)], capture_output=True, text=True,
        cwd=Path(__file__).resolve().parents[2], timeout=120,
    )
    assert child.returncode == 0, child.stderr
    said = dict(zip(attacks, child.stdout.splitlines()))
    assert said == {
        "bytearray": "out of memory refused",
        "UntypedStorage": "out of memory refused",
        "FloatStorage": "TypeError refused",
        "legacy storage": "out of memory refused",
        "legacy string": "out of memory refused",
    }


def test_a_zip_bomb_checkpoint_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    """A torch zip checkpoint whose tensor record is deflated: 64 kB on disk, 64 MiB once
    torch inflates it (a bare torch.load reads it; the old loader loaded it). Deflate goes
    to about 1000:1, past the file's budget of 16 x its size."""
    import zipfile

    saved = tmp_path / "plain.pth"
    torch.save({"state_dict": {"w": torch.zeros(2**24)}}, saved)
    bomb = tmp_path / "bomb.pth"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(bomb, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename),
                            compress_type=zipfile.ZIP_DEFLATED)
    assert torch.load(bomb, weights_only=True)["state_dict"]["w"].numel() == 2**24
    size = bomb.stat().st_size
    with pytest.raises(CheckpointDataRefusedError, match=(
        rf"^refusing to load {re.escape(str(bomb))}: the zip record 'plain/data/0' of 67108864 "
        r"bytes \(compressed to \d+\) would take 67108864 bytes \(with \d+ bytes already taken\), "
        rf"more than the "
        rf"{16 * size + (4 << 20)} bytes allowed for a file of {size} bytes"
    )):
        load_checkpoint(_model(), str(bomb))
