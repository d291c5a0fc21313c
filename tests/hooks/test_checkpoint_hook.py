"""CheckpointHook through a real Runner: file names, intervals, pruning, best, out_dir, publish."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from mmlight.evaluator import BaseMetric
from mmlight.fileio import list_dir_or_file, url_to_fs
from mmlight.fileio.atomic import NoSpaceLeftError
from mmlight.hooks import CheckpointHook
from mmlight.hooks.priority import get_priority
from mmlight.model import BaseModel
from mmlight.registry import HOOKS, MODELS
from mmlight.runner import Runner


class ToySet(Dataset):
    def __init__(self, size: int = 8, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.x = torch.randn(size, 4, generator=generator)
        self.y = torch.randint(0, 2, (size,), generator=generator)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], data_samples=int(self.y[index]))


@MODELS.register_module(name="CkptHookToy", force=True)
class ToyModel(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.fc(torch.stack(inputs))
        if mode == "loss":
            return dict(loss=F.cross_entropy(out, torch.tensor(data_samples)))
        if mode == "predict":
            return list(data_samples)
        return out


class ScriptedMetric(BaseMetric):
    """Returns the next scripted values on every evaluation."""

    default_prefix = "toy"

    def __init__(self, script: list[dict]) -> None:
        super().__init__()
        self.script = list(script)

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return self.script.pop(0)


def run(work_dir: Path | str, checkpoint: dict | None, *, by_epoch: bool = True,
        length: int = 3, script: list[dict] | None = None, **overrides: Any) -> Runner:
    train_cfg = dict(by_epoch=True, max_epochs=length) if by_epoch else dict(
        by_epoch=False, max_iters=length, val_interval=2)
    sampler = "DefaultSampler" if by_epoch else "InfiniteSampler"
    cfg: dict[str, Any] = dict(
        model=dict(type="CkptHookToy"),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=ToySet(), sampler=dict(type=sampler, shuffle=False),
                              batch_size=4),
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        default_hooks=dict(logger=None, checkpoint=checkpoint),
        randomness=dict(seed=0),
        log_level="WARNING",
        experiment_name=f"hook_{uuid.uuid4().hex[:6]}",
    )
    if script is not None:
        cfg.update(val_dataloader=dict(dataset=ToySet(4, 1), sampler=dict(
            type="DefaultSampler", shuffle=False), batch_size=4), val_cfg=dict(),
            val_evaluator=[ScriptedMetric(script)])
    cfg.update(overrides)
    runner = Runner(**cfg)
    runner.train()
    return runner


def pth_files(directory: Path | str) -> list[str]:
    return sorted(name for name in list_dir_or_file(str(directory), list_dir=False)
                  if name.endswith(".pth"))


def test_registered_with_very_low_priority() -> None:
    assert HOOKS.get("CheckpointHook") is CheckpointHook
    assert get_priority(CheckpointHook.priority) == 90


def test_interval_save_last_and_max_keep(tmp_path: Path) -> None:
    runner = run(tmp_path / "w", dict(type="CheckpointHook", interval=2, max_keep_ckpts=2),
                 length=5)
    assert pth_files(tmp_path / "w") == ["epoch_4.pth", "epoch_5.pth"]
    assert runner.message_hub.get_info("keep_ckpt_ids") == [4, 5]
    assert runner.message_hub.get_info("last_ckpt") == str(tmp_path / "w" / "epoch_5.pth")
    assert (tmp_path / "w" / "last_checkpoint").read_text() == str(tmp_path / "w" / "epoch_5.pth")


def test_no_save_last_and_save_begin(tmp_path: Path) -> None:
    run(tmp_path / "a", dict(type="CheckpointHook", interval=2, save_last=False), length=5)
    assert pth_files(tmp_path / "a") == ["epoch_2.pth", "epoch_4.pth"]
    run(tmp_path / "b", dict(type="CheckpointHook", interval=2, save_begin=3, save_last=False),
        length=5)
    assert pth_files(tmp_path / "b") == ["epoch_3.pth", "epoch_5.pth"]


def test_by_iteration_with_template(tmp_path: Path) -> None:
    runner = run(tmp_path / "w", dict(type="CheckpointHook", interval=3, by_epoch=False,
                                      filename_tmpl="ck_{}.pth", save_begin=4),
                 by_epoch=False, length=7)
    assert pth_files(tmp_path / "w") == ["ck_4.pth", "ck_7.pth"]
    meta = torch.load(tmp_path / "w" / "ck_4.pth", weights_only=True)["meta"]
    assert (meta["epoch"], meta["iter"]) == (0, 4)
    assert runner.iter == 7


def test_save_best_auto_and_rule(tmp_path: Path) -> None:
    script = [dict(acc=0.5), dict(acc=0.8), dict(acc=0.6)]
    runner = run(tmp_path / "w", dict(type="CheckpointHook", interval=1, save_best="auto"),
                 script=[*script])
    assert pth_files(tmp_path / "w") == [
        "best_toy_acc_epoch_2.pth", "epoch_1.pth", "epoch_2.pth", "epoch_3.pth"]
    assert runner.message_hub.get_info("best_score") == 0.8
    assert runner.message_hub.get_info("best_ckpt") == str(
        tmp_path / "w" / "best_toy_acc_epoch_2.pth")
    best = torch.load(tmp_path / "w" / "best_toy_acc_epoch_2.pth", weights_only=True)
    assert "optimizer" not in best and "param_schedulers" not in best
    # the periodic checkpoint of the improving epoch was re-saved with the new best in its hub
    epoch_2 = torch.load(tmp_path / "w" / "epoch_2.pth", weights_only=True)
    assert epoch_2["message_hub"]["runtime_info"]["best_score"] == 0.8
    # a val() after training still tracks the best, replacing the previous best file
    runner.val_evaluator.metrics[0].script.append(dict(acc=0.9))
    runner.val()
    assert pth_files(tmp_path / "w") == [
        "best_toy_acc_epoch_3.pth", "epoch_1.pth", "epoch_2.pth", "epoch_3.pth"]

    run(tmp_path / "less", dict(type="CheckpointHook", save_best="toy/acc", rule="less"),
        script=[*script])
    assert pth_files(tmp_path / "less") == ["best_toy_acc_epoch_1.pth", "epoch_3.pth"]


def test_save_best_list_infers_rules(tmp_path: Path) -> None:
    script = [dict(acc=0.5, loss=0.3), dict(acc=0.8, loss=0.4), dict(acc=0.6, loss=0.1)]
    runner = run(tmp_path / "w", dict(type="CheckpointHook", save_best=["toy/acc", "toy/loss"],
                                      save_last=False), script=script)
    assert pth_files(tmp_path / "w") == ["best_toy_acc_epoch_2.pth", "best_toy_loss_epoch_3.pth"]
    hub = runner.message_hub
    assert hub.get_info("best_score_toy/acc") == 0.8 and hub.get_info("best_score_toy/loss") == 0.1
    assert hub.get_info("best_ckpt_toy/loss").endswith("best_toy_loss_epoch_3.pth")


def test_save_best_by_iteration_and_unknown_metric(tmp_path: Path) -> None:
    run(tmp_path / "w", dict(type="CheckpointHook", by_epoch=False, interval=100,
                             save_best="toy/acc", save_last=False),
        by_epoch=False, length=4, script=[dict(acc=0.1), dict(acc=0.2)])
    assert pth_files(tmp_path / "w") == ["best_toy_acc_iter_4.pth"]
    with pytest.raises(KeyError, match=r"no metric 'toy/ac'.*did you mean 'toy/acc'"):
        run(tmp_path / "x", dict(type="CheckpointHook", save_best="toy/ac", rule="greater"),
            script=[dict(acc=0.1)], length=1)


def test_memory_out_dir_and_published_keys(tmp_path: Path) -> None:
    out = f"memory://ckpt-hook-{uuid.uuid4().hex[:6]}"
    run(tmp_path / "exp", dict(type="CheckpointHook", interval=2, out_dir=out, save_best="auto",
                               published_keys=["meta", "state_dict"]),
        script=[dict(acc=0.5), dict(acc=0.8), dict(acc=0.6)])
    names = pth_files(f"{out}/exp")
    assert [n for n in names if "-" not in n] == [
        "best_toy_acc_epoch_2.pth", "epoch_2.pth", "epoch_3.pth"]
    published = [n for n in names if "-" in n]
    assert len(published) == 2
    assert {n.rsplit("-", 1)[0] for n in published} == {"epoch_3", "best_toy_acc_epoch_2"}
    fs, path = url_to_fs(f"{out}/exp/{published[0]}")
    with fs.open(path, "rb") as stream:
        assert sorted(torch.load(stream, weights_only=True)) == ["meta", "state_dict"]
    assert (tmp_path / "exp" / "last_checkpoint").read_text() == f"{out}/exp/epoch_3.pth"


def test_local_out_dir_uses_work_dir_basename(tmp_path: Path) -> None:
    run(tmp_path / "work" / "exp1", dict(type="CheckpointHook", out_dir=str(tmp_path / "ckpts")),
        length=1)
    assert pth_files(tmp_path / "ckpts" / "exp1") == ["epoch_1.pth"]


def test_resumed_keep_ids_are_pruned(tmp_path: Path) -> None:
    run(tmp_path / "w", dict(type="CheckpointHook", interval=1, max_keep_ckpts=3), length=2)
    assert pth_files(tmp_path / "w") == ["epoch_1.pth", "epoch_2.pth"]
    run(tmp_path / "w", dict(type="CheckpointHook", interval=1, max_keep_ckpts=1), length=3,
        resume=True)
    assert pth_files(tmp_path / "w") == ["epoch_3.pth"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(save_best=3), TypeError, "should be a str or list of str"),
        (dict(save_best=["auto", "acc"]), AssertionError, 'one "auto"'),
        (dict(save_best=["acc", "acc"]), ValueError, "duplicate"),
        (dict(save_best=["acc", "mIoU"], rule=["less"] * 3), AssertionError, "Number of"),
        (dict(save_best="acc", rule="bigger"), KeyError, "greater, less or None"),
        (dict(save_best="f1"), ValueError, "Cannot infer the rule for key f1"),
        (dict(published_keys=3), TypeError, "published_keys"),
        (dict(published_keys=["meta", "meta"]), ValueError, "duplicate"),
        (dict(save_begin=-1), ValueError, "save_begin should not be less than 0"),
        (dict(file_client_args={}, backend_args={}), ValueError, "cannot be set"),
        (dict(greater_keys=[1]), TypeError, "greater_keys"),
    ],
)
def test_argument_errors(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        CheckpointHook(**kwargs)


def test_rule_inference() -> None:
    hook = CheckpointHook(save_best=["ACC", "val_loss", "top1_acc", "AR@100"])
    assert hook.rules == ["greater", "less", "greater", "greater"]
    hook = CheckpointHook(save_best="f1", greater_keys="f1")
    assert hook.rules == ["greater"]
    hook = CheckpointHook(save_best="err", less_keys=("err",))
    assert hook.rules == ["less"]
    assert CheckpointHook(by_epoch=False).filename_tmpl == "iter_{}.pth"


# ---------------------------------------------------------------------- durability (issue 12)


def _record_removals(monkeypatch: pytest.MonkeyPatch, work_dir: Path) -> list[tuple]:
    """Each removal, with what existed at that moment: the files and last_checkpoint."""
    seen: list[tuple] = []
    real = CheckpointHook._remove_path

    def remove(self: CheckpointHook, path: str) -> bool:
        pointer = work_dir / "last_checkpoint"
        seen.append((Path(path).name, pth_files(work_dir),
                     Path(pointer.read_text()).name if pointer.exists() else None))
        return real(self, path)

    monkeypatch.setattr(CheckpointHook, "_remove_path", remove)
    return seen


def test_max_keep_removes_the_oldest_only_after_the_new_file_and_pointer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _record_removals(monkeypatch, tmp_path / "w")
    run(tmp_path / "w", dict(type="CheckpointHook", interval=1, max_keep_ckpts=1), length=3)
    assert seen == [
        ("epoch_1.pth", ["epoch_1.pth", "epoch_2.pth"], "epoch_2.pth"),
        ("epoch_2.pth", ["epoch_2.pth", "epoch_3.pth"], "epoch_3.pth"),
    ]
    assert pth_files(tmp_path / "w") == ["epoch_3.pth"]


def test_previous_best_is_removed_only_after_the_new_best_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _record_removals(monkeypatch, tmp_path / "w")
    run(tmp_path / "w", dict(type="CheckpointHook", interval=1, max_keep_ckpts=1,
                             save_best="toy/acc"),
        script=[dict(acc=0.5), dict(acc=0.8), dict(acc=0.6)])
    best_removals = [item for item in seen if item[0].startswith("best_")]
    assert best_removals == [(
        "best_toy_acc_epoch_1.pth",
        ["best_toy_acc_epoch_1.pth", "best_toy_acc_epoch_2.pth", "epoch_2.pth"],
        "epoch_2.pth",
    )]
    assert pth_files(tmp_path / "w") == ["best_toy_acc_epoch_2.pth", "epoch_3.pth"]


STALE = [".epoch_2.pth.tmp-4242-0123abcd", ".last_checkpoint.tmp-4242-deadbeef"]
NOT_OURS = [".epoch_2.pth.tmp", "notes.tmp-1-0123abcd", ".hidden"]


def test_a_new_run_removes_stale_temp_files_of_its_own_pattern_only(tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    for name in STALE + NOT_OURS:
        (work / name).write_bytes(b"half a checkpoint")
    runner = run(work, dict(type="CheckpointHook", interval=1), length=1, log_level="INFO")
    names = set(os.listdir(work))
    assert not names & set(STALE)
    assert set(NOT_OURS) <= names
    log = Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    for name in STALE:
        assert f"Removed {work / name}, left by a run killed while writing it" in log


def test_stale_temp_files_in_an_fsspec_out_dir_are_removed(tmp_path: Path) -> None:
    out = f"memory://stale-{uuid.uuid4().hex[:6]}"
    fs, root = url_to_fs(out)
    folder = f"{root}/w"
    for name in STALE + NOT_OURS:
        fs.pipe(f"{folder}/{name}", b"x")
    run(tmp_path / "w", dict(type="CheckpointHook", interval=1, out_dir=out), length=1)
    left = sorted(p.rpartition("/")[2] for p in fs.ls(folder, detail=False))
    assert left == sorted([*NOT_OURS, "epoch_1.pth"])
    fs.rm(root, recursive=True)


def test_full_disk_during_a_save_is_named_and_keeps_the_previous_checkpoint(
    tmp_path: Path, tiny_disk: Path
) -> None:
    hook = dict(type="CheckpointHook", interval=1, max_keep_ckpts=1)
    run(tmp_path / "probe" / "w", hook, length=1)
    pages = -(-(tmp_path / "probe" / "w" / "epoch_1.pth").stat().st_size // 4096)
    # Leave room for exactly one checkpoint: the second cannot be written next to the first.
    (tiny_disk / "filler").write_bytes(b"\0" * (16 - pages) * 4096)
    work = tmp_path / "w"
    with pytest.raises(NoSpaceLeftError, match=rf"^no space left on device while writing "
                                               rf"{tiny_disk / 'w' / 'epoch_2.pth'}; "):
        run(work, dict(hook, out_dir=str(tiny_disk)), length=3)
    assert sorted(os.listdir(tiny_disk / "w")) == ["epoch_1.pth"]
    assert (work / "last_checkpoint").read_text() == str(tiny_disk / "w" / "epoch_1.pth")
    torch.load(tiny_disk / "w" / "epoch_1.pth", weights_only=True)
