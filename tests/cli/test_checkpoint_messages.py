"""Checkpoint problems on the command line: exit 2, one complete line, the file named.

Rows in the style of tests/cli/test_errors_table.py (its helpers are reused): a folder given
as a checkpoint, a truncated file reached through ``work_dir/last_checkpoint``, an old-format
pickle calling ``os.system``, weights of another shape on resume. Each row also lists text
that must NOT appear (unrelated suggestions, "does not exist", a cut-off torch message).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from tests.cli.conftest import run_cli, write_checkpoint
from tests.cli.test_errors_table import _mmlight, _test, _train, _truncated_checkpoint


class _RunsShell:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _checkpoint_dir(project: Path) -> str:
    """``ckpts/`` with two checkpoints and a last_checkpoint; ``other.pth`` beside it."""
    folder = project / "ckpts"
    folder.mkdir(exist_ok=True)
    for name in ("epoch_1.pth", "epoch_2.pth"):
        write_checkpoint(folder / name)
    (folder / "last_checkpoint").write_text(str(folder / "epoch_2.pth"))
    write_checkpoint(project / "other.pth")
    return "ckpts"


def _latest_is_truncated(project: Path) -> str:
    """work/last_checkpoint names a truncated work/epoch_2.pth; work/epoch_1.pth is whole."""
    work = project / "work"
    work.mkdir(exist_ok=True)
    write_checkpoint(work / "epoch_1.pth")
    (work / "epoch_2.pth").write_bytes((project / _truncated_checkpoint(project)).read_bytes())
    (work / "last_checkpoint").write_text(str(work / "epoch_2.pth"))
    return str(work / "epoch_2.pth")


def _old_pickle(project: Path, protocol: int = 0) -> str:
    """An old-format (non-zip) torch file whose pickle calls os.system."""
    payload = {"state_dict": {}, "meta": {"x": _RunsShell(project / "MARKER")}}
    torch.save(payload, project / "old.pth", _use_new_zipfile_serialization=False,
               pickle_protocol=protocol)
    return "old.pth"


def _raw_pickle(project: Path) -> str:
    with open(project / "raw.pth", "wb") as stream:
        pickle.dump({"state_dict": {}, "x": _RunsShell(project / "MARKER")}, stream, protocol=4)
    return "raw.pth"


def _after(setup: Callable[[Path], object], *argv: str) -> Callable[[Path], list[str]]:
    """An argv maker that first prepares the project with ``setup``."""

    def make(project: Path) -> list[str]:
        setup(project)
        return list(argv)

    return make


def _other_shape_config(project: Path) -> str:
    (project / "wide.py").write_text('_base_ = ["toy.py"]\nmodel = dict(hidden=16)\n')
    return "wide.py"


def _resumable(project: Path) -> str:
    """A checkpoint of ToyCliNet(hidden=8) with the meta a resume needs."""
    path = write_checkpoint(project / "h8.pth")
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["meta"] = dict(epoch=1, iter=4)
    torch.save(checkpoint, path)
    return "h8.pth"


def _bad_counter(project: Path) -> str:
    path = project / _resumable(project)
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["meta"]["epoch"] = "1"
    torch.save(checkpoint, path)
    return path.name


CUT = ("is not a readable checkpoint (a zip archive, torch's format, without its closing "
       "directory: the file was cut short); it may be truncated (a save cut short) or not a "
       "file written by torch.save")
POINTER = ("[the file came from {work}/last_checkpoint, which names the latest checkpoint. "
           "Write the path of an older, complete checkpoint into it (the folder also holds "
           "{work}/epoch_1.pth), or delete it to train from scratch]")
DIR_HOLDS = ("is a directory, not a checkpoint file; its last_checkpoint points at "
             "{p}/ckpts/epoch_2.pth; it holds ckpts/epoch_1.pth, ckpts/epoch_2.pth. Give one of "
             "those files")
REFUSED = "is refused: its pickle references posix.system, outside mmlight's allow-list"
NOT_SAID = ("does not exist", "other.pth", "Invalid argument", "not a readable checkpoint")

# (id, command, argv maker, exit status, must contain ({p}: project, {work}: p/work), must not)
Case = tuple[str, Callable[[list[str]], int], Callable[[Path], list[str]], int,
             tuple[str, ...], tuple[str, ...]]
CASES: list[Case] = [
    # -- a folder given as a checkpoint ----------------------------------------------------
    ("train-resume-dir", _train, lambda p: ["toy.py", "--resume", _checkpoint_dir(p)], 2,
     ("mmlight-train: error: --resume 'ckpts' " + DIR_HOLDS,), NOT_SAID),
    ("train-load-from-dir", _train,
     lambda p: ["toy.py", "--cfg-options", f"load_from={_checkpoint_dir(p)}"], 2,
     ("mmlight-train: error: checkpoint ckpts is a directory, not a checkpoint file; its "
      "last_checkpoint points at {p}/ckpts/epoch_2.pth",), NOT_SAID),
    ("test-dir", _test, lambda p: ["toy.py", _checkpoint_dir(p)], 2,
     ("mmlight-test: error: checkpoint 'ckpts' " + DIR_HOLDS,), NOT_SAID),
    ("fit-ckpt-dir", _mmlight, lambda p: ["fit", "-c", "toy.py", "--ckpt_path",
                                          _checkpoint_dir(p)], 2,
     ("mmlight: error: --ckpt_path 'ckpts' " + DIR_HOLDS,), NOT_SAID),
    ("validate-ckpt-dir", _mmlight, lambda p: ["validate", "-c", "toy.py", "--ckpt_path",
                                               _checkpoint_dir(p)], 2,
     ("--ckpt_path 'ckpts' " + DIR_HOLDS,), NOT_SAID),
    # -- a truncated checkpoint, named or reached through last_checkpoint --------------------
    ("train-resume-truncated", _train,
     lambda p: ["toy.py", "--resume", _latest_is_truncated(p)], 2,
     ("--resume '{work}/epoch_2.pth' " + CUT,), ("Invalid argument", "last_checkpoint")),
    ("train-auto-resume-truncated", _train,
     _after(_latest_is_truncated, "toy.py", "--resume"), 2,
     ("mmlight-train: error: {work}/epoch_2.pth " + CUT + " " + POINTER,),
     ("Invalid argument",)),
    ("fit-ckpt-last-truncated", _mmlight,
     _after(_latest_is_truncated, "fit", "-c", "toy.py", "--ckpt_path", "last"), 2,
     ("mmlight: error: {work}/epoch_2.pth " + CUT + " " + POINTER,), ("Invalid argument",)),
    ("validate-ckpt-last-truncated", _mmlight,
     _after(_latest_is_truncated, "validate", "-c", "toy.py", "--ckpt_path", "last"), 2,
     ("mmlight: error: --ckpt_path '{work}/epoch_2.pth' " + CUT + " " + POINTER,),
     ("Invalid argument",)),
    ("train-config-resume-truncated", _train,
     _after(_latest_is_truncated, "toy.py", "--cfg-options", "resume=True"), 2,
     ("{work}/epoch_2.pth " + CUT + " " + POINTER,), ()),
    # -- an old-format pickle calling os.system: refused as unsafe, never run ---------------
    ("test-old-pickle-protocol-0", _test, lambda p: ["toy.py", _old_pickle(p, 0)], 2,
     ("mmlight-test: error: checkpoint 'old.pth' " + REFUSED, "--unsafe-load"), NOT_SAID),
    ("test-old-pickle-protocol-2", _test, lambda p: ["toy.py", _old_pickle(p, 2)], 2,
     ("checkpoint 'old.pth' " + REFUSED,), NOT_SAID),
    ("train-resume-old-pickle", _train, lambda p: ["toy.py", "--resume", _old_pickle(p, 5)], 2,
     ("--resume 'old.pth' " + REFUSED,), NOT_SAID),
    ("train-load-from-old-pickle", _train,
     lambda p: ["toy.py", "--cfg-options", f"load_from={_old_pickle(p, 1)}"], 2,
     ("refusing to load old.pth: its pickle references posix.system",), NOT_SAID),
    ("predict-raw-pickle", _mmlight,
     lambda p: ["predict", "-c", "toy.py", "--ckpt_path", _raw_pickle(p)], 2,
     ("--ckpt_path 'raw.pth' " + REFUSED,), NOT_SAID),
    # -- weights of another shape ------------------------------------------------------------
    ("train-resume-other-shapes", _train,
     lambda p: ["toy.py", "--resume", _resumable(p), "--cfg-options", "model.hidden=16"], 2,
     ("mmlight-train: error: cannot resume from h8.pth: 3 of its weights do not fit the "
      "model's shapes: fc1.weight is [8, 4] in the checkpoint and [16, 4] in the model; "
      "fc1.bias is [8] in the checkpoint and [16] in the model; fc2.weight is [2, 8] in the "
      "checkpoint and [2, 16] in the model", "use load_from with resume=False"), ()),
    ("train-resume-bad-counter", _train, lambda p: ["toy.py", "--resume", _bad_counter(p)], 2,
     ("mmlight-train: error: cannot resume from h8.pth: meta.epoch is '1', not a whole number "
      ">= 0",), ()),
    ("fit-resume-other-shapes", _mmlight,
     lambda p: ["fit", "-c", _other_shape_config(p), "--ckpt_path", _resumable(p)], 2,
     ("cannot resume from h8.pth", "fc1.weight is [8, 4] in the checkpoint and [16, 4]"), ()),
]


@pytest.mark.parametrize(("command", "make_argv", "code", "needles", "absent"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_checkpoint_input(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
    command: Callable[[list[str]], int], make_argv: Callable[[Path], list[str]], code: int,
    needles: tuple[str, ...], absent: tuple[str, ...],
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    argv = make_argv(project)
    assert command(argv) == code
    err = capfd.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1, err
    for needle in needles:
        needle = needle.format(p=project, work=project / "work")
        assert needle in lines[0], (needle, err)
    for text in absent:
        assert text not in lines[0], (text, err)
    assert not (project / "MARKER").exists()


def test_load_from_other_shapes_warns_naming_the_checkpoint(project: Path) -> None:
    """Fine-tuning into another shape stays allowed (MMEngine's behaviour): a warning that
    names the file, each parameter and both shapes, and the run goes on (a real process: the
    log goes to its own stdout)."""
    result = run_cli("mmlight.cli.train", "toy.py", "--cfg-options",
                     f"load_from={_resumable(project)}", "model.hidden=16",
                     "train_cfg.max_epochs=1", cwd=project, check_rc=0)
    log = result.stdout + result.stderr
    assert "The model and loaded state dict do not match exactly (checkpoint h8.pth)" in log
    assert "size mismatch for fc1.weight: copying a param with shape torch.Size([8, 4]) from " \
        "checkpoint, the shape in current model is torch.Size([16, 4])" in log


def test_same_message_named_or_reached_through_last_checkpoint(project: Path) -> None:
    """Real processes: the truncated file gives exit 2 and the same sentence both ways."""
    target = _latest_is_truncated(project)
    named = run_cli("mmlight.cli.train", "toy.py", "--resume", target, cwd=project, check_rc=2)
    auto = run_cli("mmlight.cli.train", "toy.py", "--resume", cwd=project, check_rc=2)
    assert f"--resume '{target}' {CUT}" in named.stderr
    assert f"error: {target} {CUT}" in auto.stderr
    assert "last_checkpoint" in auto.stderr.splitlines()[-1]
    assert "Traceback" not in named.stderr + auto.stderr
