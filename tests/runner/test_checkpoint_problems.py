"""Checkpoint problems explained, not misreported (issue 12, item 9).

A folder is named as one with the checkpoints it holds; a truncated file reached through
``last_checkpoint`` says so and what to do; an old-format pickle that calls ``os.system`` is
refused as unsafe (never run) at every pickle protocol; weights of the wrong shape name the
checkpoint, the parameter and both shapes. The command-line side (exit codes) is in
tests/cli/test_checkpoint_messages.py.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import pytest
import torch

from mmlight.runner.checkpoint import (
    CheckpointNotFoundError,
    CheckpointStateDictError,
    NotACheckpointError,
    UnsafeCheckpointError,
    check_checkpoint_safe,
    load_checkpoint,
)
from tests.runner.test_runner_checkpoint import ToyModel, make_runner


class _RunsShell:
    """Unpickling this runs ``touch <marker>`` (os.system is posix.system on Linux)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A work_dir after one epoch: epoch_1.pth and last_checkpoint."""
    work = tmp_path_factory.mktemp("trained")
    make_runner(work, train_cfg=dict(by_epoch=True, max_epochs=1)).train()
    return work


def _truncated(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


# ------------------------------------------------------------------- a folder as checkpoint
def test_folder_as_load_from_is_named_with_its_checkpoints(trained: Path, tmp_path: Path) -> None:
    (tmp_path / "unrelated.pth").write_bytes(b"")  # a neighbour of the folder: never suggested
    folder = tmp_path / "exp"
    folder.mkdir()
    for name in ("epoch_1.pth", "epoch_2.pth"):
        (folder / name).write_bytes((trained / "epoch_1.pth").read_bytes())
    (folder / "last_checkpoint").write_text(str(folder / "epoch_2.pth"))
    runner = make_runner(tmp_path / "w", load_from=str(folder))
    with pytest.raises(CheckpointNotFoundError) as info:
        runner.load_or_resume()
    message = str(info.value)
    assert message == (
        f"checkpoint {folder} is a directory, not a checkpoint file; its last_checkpoint points "
        f"at {folder}/epoch_2.pth; it holds {folder}/epoch_1.pth, {folder}/epoch_2.pth. Give "
        "one of those files"
    )
    assert "unrelated" not in message and "does not exist" not in message


def test_empty_folder_says_it_holds_no_checkpoints(tmp_path: Path) -> None:
    with pytest.raises(CheckpointNotFoundError,
                       match=r"is a directory, not a checkpoint file; it holds no checkpoint "
                             r"files \(\.pth, \.ckpt, \.pt\)"):
        load_checkpoint(ToyModel(), str(tmp_path))


def test_folder_as_resume_source(trained: Path, tmp_path: Path) -> None:
    runner = make_runner(tmp_path / "w", resume=True, load_from=str(trained))
    with pytest.raises(CheckpointNotFoundError, match=r"is a directory, not a checkpoint file; "
                       r"its last_checkpoint points at .*epoch_1\.pth; it holds .*epoch_1\.pth"):
        runner.load_or_resume()


# ------------------------------------------------------ a truncated file via last_checkpoint
def test_truncated_latest_checkpoint_names_the_pointer(trained: Path, tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    (work / "epoch_1.pth").write_bytes((trained / "epoch_1.pth").read_bytes())
    cut = _truncated(trained / "epoch_1.pth", work / "epoch_2.pth")
    (work / "last_checkpoint").write_text(str(cut))
    runner = make_runner(work, resume=True)
    with pytest.raises(NotACheckpointError) as info:
        runner.load_or_resume()
    explicit = make_runner(tmp_path / "x", resume=True, load_from=str(cut))
    with pytest.raises(NotACheckpointError) as direct:
        explicit.load_or_resume()
    # the same complete sentence either way (torch's message is cut at its first sentence,
    # never mid-word), plus where the file came from and what to do
    assert str(info.value) == str(direct.value) == (
        f"{cut} is not a readable checkpoint (a zip archive, torch's format, without its "
        "closing directory: the file was cut short); it may be truncated (a save cut short) "
        "or not a file written by torch.save"
    )
    assert getattr(info.value, "__notes__", None) == [
        f"[the file came from {work}/last_checkpoint, which names the latest checkpoint. "
        f"Write the path of an older, complete checkpoint into it (the folder also holds "
        f"{work}/epoch_1.pth), or delete it to train from scratch]"
    ]
    assert not getattr(direct.value, "__notes__", None)  # named by the user: no pointer note


def test_latest_checkpoint_naming_a_missing_file(tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    (work / "last_checkpoint").write_text(str(work / "epoch_9.pth"))
    with pytest.raises(CheckpointNotFoundError, match=r"epoch_9\.pth does not exist") as info:
        make_runner(work, resume=True).load_or_resume()
    notes = getattr(info.value, "__notes__", [""])
    assert "last_checkpoint, which names the latest checkpoint" in notes[0]


# --------------------------------------------------- old-format pickles calling os.system
def _legacy_torch(path: Path, marker: Path, protocol: int) -> Path:
    payload = {"state_dict": {}, "meta": {"x": _RunsShell(marker)}}
    torch.save(payload, path, _use_new_zipfile_serialization=False, pickle_protocol=protocol)
    return path


def _raw_pickle(path: Path, marker: Path, protocol: int) -> Path:
    with open(path, "wb") as stream:
        pickle.dump({"state_dict": {}, "meta": {"x": _RunsShell(marker)}}, stream,
                    protocol=protocol)
    return path


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("protocol", [0, 1, 2, 4, 5])
@pytest.mark.parametrize("writer", [_legacy_torch, _raw_pickle], ids=["torch-legacy", "raw"])
def test_old_format_os_system_is_refused_as_unsafe(
    tmp_path: Path, writer: object, protocol: int
) -> None:
    """Protocols 0/1/4/5 use opcodes torch's weights_only unpickler stops at before it meets
    the global; they used to be reported as 'not a readable checkpoint'."""
    marker = tmp_path / "MARKER"
    path = writer(tmp_path / "old.pth", marker, protocol)  # type: ignore[operator]
    with pytest.raises(UnsafeCheckpointError,
                       match=r"refusing to load .*old\.pth: its pickle references posix\.system"
                       ) as info:
        load_checkpoint(ToyModel(), str(path))
    assert info.value.offending == "posix.system"
    assert check_checkpoint_safe(path) == ["posix.system"]
    runner = make_runner(tmp_path / "w", load_from=str(path))
    with pytest.raises(UnsafeCheckpointError, match=r"posix\.system"):
        runner.load_or_resume()
    assert not marker.exists()


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_old_format_with_only_safe_globals_stays_unreadable(tmp_path: Path) -> None:
    """Plain weights in a protocol-4 legacy file: nothing unsafe, still not loadable."""
    path = tmp_path / "weights4.pth"
    torch.save({"state_dict": ToyModel().state_dict()}, path,
               _use_new_zipfile_serialization=False, pickle_protocol=4)
    with pytest.raises(NotACheckpointError, match=r"its pickle cannot be parsed"):
        load_checkpoint(ToyModel(), str(path))


# ---------------------------------------------------------------- weights of another shape
def _reshaped_checkpoint(trained: Path, target: Path) -> Path:
    checkpoint = torch.load(trained / "epoch_1.pth", weights_only=True)
    checkpoint["state_dict"]["fc.weight"] = torch.zeros(3, 4)
    checkpoint["state_dict"]["bn.running_mean"] = torch.zeros(5)
    torch.save(checkpoint, target)
    return target


def test_resume_with_other_shapes_names_file_parameter_and_shapes(
    trained: Path, tmp_path: Path
) -> None:
    path = _reshaped_checkpoint(trained, tmp_path / "reshaped.pth")
    runner = make_runner(tmp_path / "w")
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    with pytest.raises(CheckpointStateDictError) as info:
        runner.resume(str(path))
    assert str(info.value) == (
        f"cannot resume from {path}: 2 of its weights do not fit the model's shapes: "
        "fc.weight is [3, 4] in the checkpoint and [2, 4] in the model; bn.running_mean is "
        "[5] in the checkpoint and [2] in the model. A resumed run needs the model it was "
        "saved with; to start a new run from these weights, use load_from with resume=False "
        "(weights that do not fit are then skipped with a warning)"
    )


def test_load_from_with_other_shapes_warns_naming_the_checkpoint(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _reshaped_checkpoint(trained, tmp_path / "reshaped.pth")
    runner = make_runner(tmp_path / "w", load_from=str(path), log_level="WARNING")
    runner.load_or_resume()  # fine-tuning from other shapes stays allowed, as in MMEngine
    text = capsys.readouterr().out
    assert f"do not match exactly (checkpoint {path})" in text
    assert "size mismatch for fc.weight: copying a param with shape torch.Size([3, 4]) from " \
        "checkpoint, the shape in current model is torch.Size([2, 4])" in text


def test_load_checkpoint_names_the_file_in_its_report(trained: Path, tmp_path: Path) -> None:
    path = _reshaped_checkpoint(trained, tmp_path / "reshaped.pth")
    with pytest.raises(CheckpointStateDictError,
                       match=rf"do not match exactly \(checkpoint {path}\)[\s\S]*size mismatch "
                             r"for fc\.weight"):
        load_checkpoint(ToyModel(), str(path), strict=True)


# ------------------------------------------------------------- counters that are not counters
@pytest.mark.parametrize(("key", "value"), [("epoch", "1"), ("iter", -4), ("epoch", True),
                                            ("iter", 2.0)])
def test_resume_refuses_counters_that_are_not_whole_numbers(
    trained: Path, tmp_path: Path, key: str, value: object
) -> None:
    checkpoint = torch.load(trained / "epoch_1.pth", weights_only=True)
    checkpoint["meta"][key] = value
    path = tmp_path / "edited.pth"
    torch.save(checkpoint, path)
    runner = make_runner(tmp_path / "w", resume=True, load_from=str(path))
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    with pytest.raises(ValueError, match=rf"cannot resume from {path}: meta\.{key} is "
                       rf"{re.escape(repr(value))}, not a whole number >= 0"):
        runner.load_or_resume()


@pytest.mark.parametrize("seed", ["abc", 1.5, [7]])
def test_resume_ignores_a_seed_that_is_no_integer(
    trained: Path, tmp_path: Path, seed: object
) -> None:
    checkpoint = torch.load(trained / "epoch_1.pth", weights_only=True)
    checkpoint["meta"]["seed"] = seed
    path = tmp_path / "seeded.pth"
    torch.save(checkpoint, path)
    runner = make_runner(tmp_path / "w", resume=True, load_from=str(path))
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.load_or_resume()
    assert runner.seed == 7 and (runner.epoch, runner.iter) == (1, 2)


class _Evaluates:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (eval, ("1",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_check_lists_every_refused_global_of_an_old_file(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "MARKER"
    path = tmp_path / "two.pth"
    torch.save({"a": _RunsShell(marker), "b": _Evaluates()}, path,
               _use_new_zipfile_serialization=False, pickle_protocol=protocol)
    assert check_checkpoint_safe(path) == ["builtins.eval", "posix.system"]
    assert not marker.exists()
