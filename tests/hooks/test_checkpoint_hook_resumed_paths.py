"""A resumed checkpoint's runtime info never makes CheckpointHook delete a file it did not
write: ``best_ckpt`` must name a ``best_*`` file in out_dir, ``keep_ckpt_ids`` step numbers.

(A plain-data checkpoint may say ``best_ckpt='/home/user/thesis'``; MMEngine, and mmlight
before this test, removed whatever that names once a better score came - a folder too.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from tests.runner.test_runner_checkpoint import ToyAcc, ToySet, make_runner


def _val_runner(work: Path, **overrides: Any) -> Any:
    checkpoint = dict(type="CheckpointHook", interval=1, save_best="toy/acc", rule="greater")
    checkpoint.update(overrides.pop("checkpoint", {}))
    return make_runner(
        work,
        val_dataloader=dict(dataset=ToySet(4, 1), sampler=dict(type="DefaultSampler",
                            shuffle=False), batch_size=4),
        val_cfg=dict(), val_evaluator=[ToyAcc()],
        default_hooks=dict(logger=None, checkpoint=checkpoint),
        **overrides,
    )


@pytest.fixture(scope="module")
def first_epoch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("first")
    _val_runner(work, train_cfg=dict(by_epoch=True, max_epochs=1)).train()
    return work / "epoch_1.pth"


def _with_runtime_info(source: Path, target: Path, **info: Any) -> Path:
    checkpoint = torch.load(source, weights_only=True)
    checkpoint["message_hub"]["runtime_info"].update(info)
    torch.save(checkpoint, target)
    return target


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_best_ckpt_outside_out_dir_is_never_deleted(
    first_epoch: Path, tmp_path: Path, kind: str
) -> None:
    victim = tmp_path / "precious"
    if kind == "folder":
        victim.mkdir()
        (victim / "notes.txt").write_text("years of work")
    else:
        victim.write_text("years of work")
    evil = _with_runtime_info(first_epoch, tmp_path / "evil.pth",
                              best_ckpt=str(victim), best_score=-1.0)
    runner = _val_runner(tmp_path / "w", resume=True, load_from=str(evil),
                         train_cfg=dict(by_epoch=True, max_epochs=2))
    runner.train()
    assert victim.exists() and (kind == "file" or (victim / "notes.txt").exists())
    assert list((tmp_path / "w").glob("best_toy_acc_epoch_2.pth"))  # the new best is saved


def test_best_ckpt_of_this_folder_is_still_replaced(first_epoch: Path, tmp_path: Path) -> None:
    """MMEngine's behaviour where it is right: the previous best in out_dir goes."""
    work = tmp_path / "w"
    work.mkdir()
    previous = work / "best_toy_acc_epoch_1.pth"
    previous.write_bytes(first_epoch.read_bytes())
    resumed = _with_runtime_info(first_epoch, work / "epoch_1.pth",
                                 best_ckpt=str(previous), best_score=-1.0)
    _val_runner(work, resume=True, load_from=str(resumed),
                train_cfg=dict(by_epoch=True, max_epochs=2)).train()
    assert not previous.exists() and (work / "best_toy_acc_epoch_2.pth").exists()


def test_keep_ckpt_ids_take_step_numbers_only(first_epoch: Path, tmp_path: Path) -> None:
    work = tmp_path / "w"
    (work / "epoch_").mkdir(parents=True)
    victim = tmp_path / "victim.pth"
    victim.write_text("keep me")
    evil = _with_runtime_info(first_epoch, tmp_path / "evil.pth",
                              keep_ckpt_ids=["/../../victim", "x", 1.5, True])
    runner = _val_runner(work, resume=True, load_from=str(evil),
                         train_cfg=dict(by_epoch=True, max_epochs=2),
                         checkpoint=dict(max_keep_ckpts=1))
    runner.train()
    assert victim.exists()
    assert (work / "epoch_2.pth").exists()


@pytest.mark.parametrize("score", ["0.9", None, [1.0], True])
def test_a_best_score_that_is_no_score_is_ignored(
    first_epoch: Path, tmp_path: Path, score: object
) -> None:
    """It used to end the run with a TypeError comparing the new score with it."""
    evil = _with_runtime_info(first_epoch, tmp_path / "evil.pth", best_score=score)
    runner = _val_runner(tmp_path / "w", resume=True, load_from=str(evil),
                         train_cfg=dict(by_epoch=True, max_epochs=2))
    runner.train()
    assert (tmp_path / "w" / "best_toy_acc_epoch_2.pth").exists()
    assert runner.message_hub.get_info("best_score") != score
