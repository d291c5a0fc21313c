"""Bad input to every command: exit status, no traceback, the culprit named.

The table runs each command's ``main(argv)`` in this process (the code path the console
scripts call); ``test_subprocess_errors`` repeats a few through real processes.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli, write_checkpoint


def _train(argv: list[str]) -> int:
    from mmlight.cli.train import main

    return main(argv)


def _test(argv: list[str]) -> int:
    from mmlight.cli.test import main

    return main(argv)


def _mmlight(argv: list[str]) -> int:
    from mmlight.cli.main import main

    return main(argv)


def _write(project: Path, name: str, text: str) -> str:
    (project / name).write_text(text)
    return name


def _child(project: Path, name: str, body: str) -> str:
    return _write(project, name, f'_base_ = ["toy.py"]\n{body}\n')


FAIL_MODULE = '''
from mmlight.registry import DATASETS, METRICS
from toy_cli_pkg import ToyCliAcc, ToyCliData


@DATASETS.register_module()
class CorruptCliData(ToyCliData):
    def __init__(self, bad=7, missing=False, **kwargs):
        super().__init__(**kwargs)
        self.bad, self.missing = bad, missing

    def __getitem__(self, i):
        if i == self.bad:
            if self.missing:
                raise FileNotFoundError(f"img_{i}.jpg")
            raise KeyError(f"sample {i} is corrupt")
        return super().__getitem__(i)


@METRICS.register_module()
class BrokenCliAcc(ToyCliAcc):
    def compute_metrics(self, results):
        return dict(accuracy=1 / 0)
'''


def _failing(project: Path, name: str, body: str) -> str:
    """A child of toy.py that also imports the failing dataset and metric."""
    _write(project, "toy_fail_pkg.py", FAIL_MODULE)
    return _child(project, name, 'custom_imports = dict(imports=["toy_cli_pkg", '
                  f'"toy_fail_pkg"], allow_failed_imports=False)\n{body}')


NAN_MODULE = '''
from mmlight.registry import MODELS
from toy_cli_pkg import ToyCliNet


@MODELS.register_module()
class NanCliNet(ToyCliNet):
    """ToyCliNet whose loss is NaN from training step ``nan_from`` on (1-based)."""

    def __init__(self, nan_from=7, **kwargs):
        super().__init__(**kwargs)
        self.nan_from, self.steps = nan_from, 0

    def forward(self, inputs, data_samples=None, mode="tensor"):
        out = super().forward(inputs, data_samples, mode)
        if mode == "loss":
            self.steps += 1
            if self.steps >= self.nan_from:
                out["loss"] = out["loss"] * float("nan")
        return out
'''


def _nan_loss(project: Path, name: str) -> str:
    """A child of toy.py whose loss is NaN at epoch 2, iteration 3, saving every epoch."""
    _write(project, "toy_nan_pkg.py", NAN_MODULE)
    return _child(project, name, "\n".join([
        'custom_imports = dict(imports=["toy_cli_pkg", "toy_nan_pkg"], '
        "allow_failed_imports=False)",
        'model = dict(type="NanCliNet", nan_from=7)',
        'default_hooks = dict(checkpoint=dict(type="CheckpointHook", interval=1, '
        'save_best="auto"))',
    ]))


def _iter_based(project: Path, name: str, body: str = "", sampler: str = "InfiniteSampler") -> str:
    """A child of toy.py training by iterations, plus ``body``."""
    return _child(project, name, "train_cfg = dict(_delete_=True, by_epoch=False, max_iters=6, "
                  "val_interval=2)\ntrain_dataloader = dict(sampler=dict(type="
                  f'"{sampler}"))\n{body}')


def _inherits_failing_base(project: Path) -> str:
    _child(project, "r2.py", "steps = undefined_name")
    return _write(project, "r3.py", '_base_ = ["r2.py"]\n')


def _config_dir(project: Path) -> str:
    (project / "configs").mkdir(exist_ok=True)
    for name in ("b.py", "a.py"):
        (project / "configs" / name).write_text('_base_ = ["../toy.py"]\n')
    return "configs"


def _truncated_checkpoint(project: Path) -> str:
    good = write_checkpoint(project / "good.pth")
    data = good.read_bytes()
    (project / "cut.pth").write_bytes(data[: len(data) // 2])
    assert not zipfile.is_zipfile(project / "cut.pth")
    return "cut.pth"


# (id, command, argv maker, exit status, substrings the message must contain)
Case = tuple[str, Callable[[list[str]], int], Callable[[Path], list[str]], int, tuple[str, ...]]
CASES: list[Case] = [
    ("missing-config", _train, lambda p: ["nope.py"], 2, ("nope.py",)),
    ("syntax-error", _train, lambda p: [_write(p, "broken.py", "model = dict(type='X'\n")],
     2, ("broken.py",)),
    ("yaml-error", _train, lambda p: [_write(p, "broken.yaml", "model: [1, 2\nx: 1\n")],
     2, ("broken.yaml",)),
    ("unknown-model-type", _train,
     lambda p: [_child(p, "c1.py", 'model = dict(type="ToyCliNett")')],
     2, ("model", "ToyCliNett", "'ToyCliNet'")),
    ("optimizer-typo", _train,
     lambda p: [_child(p, "c2.py", 'optim_wrapper = dict(optimizer=dict(type="SDG", lr=0.1))')],
     2, ("optim_wrapper", "SDG", "'SGD'")),
    ("bad-model-kwarg", _train, lambda p: [_child(p, "c3.py", "model = dict(hiden=3)")],
     2, ("model", "'hiden'", "accepts: hidden")),
    ("missing-custom-import", _train,
     lambda p: [_child(p, "c4.py", 'custom_imports = dict(imports=["no_such_pkg_xyz"])')],
     2, ("no_such_pkg_xyz",)),
    ("cfg-options-no-equals", _train, lambda p: ["toy.py", "--cfg-options", "train_cfg"],
     2, ("--cfg-options", "KEY=VALUE", "train_cfg")),
    ("cfg-options-brackets", _train, lambda p: ["toy.py", "--cfg-options", "a=[1,2"],
     2, ("Imbalanced", "[1,2")),
    ("bad-launcher", _train, lambda p: ["toy.py", "--launcher", "foo"], 2, ("--launcher", "foo")),
    ("resume-missing", _train, lambda p: ["toy.py", "--resume", "missing.pth"],
     2, ("--resume", "missing.pth")),
    ("amp-wrong-wrapper", _train,
     lambda p: [_child(p, "c5.py", 'optim_wrapper = dict(type="OptimWrapperDict")'), "--amp"],
     2, ("--amp", "OptimWrapperDict")),
    ("auto-scale-lr-missing", _train,
     lambda p: [_child(p, "c6.py", "auto_scale_lr = None"), "--auto-scale-lr"],
     2, ("--auto-scale-lr", "base_batch_size")),
    ("runtime-failure", _train,
     lambda p: ["toy.py", "--cfg-options", "model.fail=True"], 1, ("failed on purpose",)),
    ("test-missing-checkpoint", _test, lambda p: ["toy.py", "missing.pth"],
     2, ("checkpoint", "missing.pth")),
    ("test-garbage-checkpoint", _test,
     lambda p: ["toy.py", _write(p, "junk.pth", "not a checkpoint at all")],
     2, ("junk.pth", "not a readable")),
    ("test-truncated-checkpoint", _test, lambda p: ["toy.py", _truncated_checkpoint(p)],
     2, ("cut.pth",)),
    ("test-bad-out", _test,
     lambda p: ["toy.py", str(write_checkpoint(p / "ok.pth")), "--out", "res.txt"],
     2, ("--out", ".txt", ".json")),
    ("fit-no-config", _mmlight, lambda p: ["fit"], 2, ("--config",)),
    ("fit-bad-trainer-value", _mmlight,
     lambda p: ["fit", "-c", "toy.py", "--trainer.max_epochs", "abc"],
     2, ("trainer.max_epochs", "expected int", "'abc'")),
    ("fit-unknown-trainer-flag", _mmlight,
     lambda p: ["fit", "-c", "toy.py", "--trainer.max_epohcs", "3"],
     2, ("--trainer.max_epohcs", "'--trainer.max_epochs'")),
    ("fit-hook-typo", _mmlight,
     lambda p: ["fit", "-c", _child(p, "c7.py",
                                     'default_hooks = dict(timer=dict(type="IterTimerHok"))')],
     2, ("default_hooks.timer", "IterTimerHok", "'IterTimerHook'")),
    ("fit-missing-config", _mmlight, lambda p: ["fit", "-c", "absent.py"], 2, ("absent.py",)),
    ("validate-missing-ckpt", _mmlight,
     lambda p: ["validate", "-c", "toy.py", "--ckpt_path", "gone.pth"], 2, ("gone.pth",)),
    ("fit-val-check-fraction", _mmlight,
     lambda p: ["fit", "-c", "toy.py", "--trainer.val_check_interval", "0.5"],
     2, ("val_check_interval", "whole number")),
    ("unknown-command", _mmlight, lambda p: ["fitt"], 2, ("fitt", "'fit'")),
    ("unknown-registry", _mmlight, lambda p: ["registry", "MODLES"], 2, ("MODLES", "'MODELS'")),
    ("print-config-missing", _mmlight, lambda p: ["print-config", "nada.py"], 2, ("nada.py",)),
    # -- failures while running: exit 1, the component, key, stage and place named ----------
    ("dataset-raises", _train,
     lambda p: [_failing(p, "f1.py",
                         'train_dataloader = dict(dataset=dict(type="CorruptCliData"))')],
     1, ("KeyError: sample 7 is corrupt", "train_dataloader.dataset (CorruptCliData)",
         "loading sample 7", "stage train, epoch 1, iteration 2/4", "--debug")),
    ("dataset-missing-file", _mmlight,
     lambda p: ["fit", "-c", _failing(p, "f2.py", "train_dataloader = dict(dataset=dict("
                                        'type="CorruptCliData", bad=12, missing=True))')],
     1, ("FileNotFoundError: img_12.jpg", "train_dataloader.dataset (CorruptCliData)",
         "loading sample 12", "stage train, epoch 1, iteration 4/4", "--debug")),
    ("val-dataset-raises", _mmlight,
     lambda p: ["validate", "-c", _failing(
         p, "f3.py", 'val_dataloader = dict(dataset=dict(type="CorruptCliData", bad=9))')],
     1, ("sample 9 is corrupt", "val_dataloader.dataset (CorruptCliData)", "loading sample 9",
         "stage val, iteration 3/4", "--debug")),
    ("test-dataset-raises", _mmlight,
     lambda p: ["test", "-c", _failing(
         p, "f4.py", 'test_dataloader = dict(dataset=dict(type="CorruptCliData", bad=0))')],
     1, ("test_dataloader.dataset (CorruptCliData)", "loading sample 0",
         "stage test, iteration 1/4")),
    ("predict-dataset-raises", _mmlight,
     lambda p: ["predict", "-c", _failing(
         p, "f5.py", 'test_dataloader = dict(dataset=dict(type="CorruptCliData", bad=5))')],
     1, ("test_dataloader.dataset (CorruptCliData)", "loading sample 5",
         "stage predict, iteration 2")),
    ("metric-raises", _train,
     lambda p: [_failing(p, "f6.py", 'val_evaluator = dict(type="BrokenCliAcc")')],
     1, ("ZeroDivisionError: division by zero", "val_evaluator (BrokenCliAcc).compute_metrics",
         "stage val, epoch 1, computing metrics after the last iteration (4/4)", "--debug")),
    ("test-metric-raises", _mmlight,
     lambda p: ["test", "-c", _failing(
         p, "f7.py", 'test_evaluator = [dict(type="ToyCliAcc"), dict(type="BrokenCliAcc")]')],
     1, ("test_evaluator[1] (BrokenCliAcc).compute_metrics", "stage test")),
    ("model-raises", _train, lambda p: ["toy.py", "--cfg-options", "model.fail=True"],
     1, ("failed on purpose (stage train, epoch 1, iteration 1/4)", "--debug")),
    # -- a config that raises while it loads: exit 2, file and line named -----------------
    ("config-raises", _train,
     lambda p: [_child(p, "r1.py", "x = 1\ny = 1 / 0")],
     2, ("r1.py, line 3 (y = 1 / 0), raised ZeroDivisionError: division by zero",)),
    ("config-base-raises", _mmlight,
     lambda p: ["print-config", _inherits_failing_base(p)],
     2, ("r2.py, line 2 (steps = undefined_name), raised NameError", "_base_ of")),
    ("fit-config-raises", _mmlight,
     lambda p: ["fit", "-c", _child(p, "r4.py", "model = {}['missing']")],
     2, ("r4.py, line 2", "raised KeyError: 'missing'")),
    ("check-config-raises", _mmlight,
     lambda p: ["check", _child(p, "r5.py", "import no_such_module_xyz")],
     2, ("r5.py, line 2 (import no_such_module_xyz), raised ModuleNotFoundError",)),
    # -- a directory given as a config ----------------------------------------------------
    ("train-dir-config", _train, lambda p: [_config_dir(p)],
     2, ("'configs'", "is a directory", "configs/a.py, configs/b.py")),
    ("fit-dir-config", _mmlight, lambda p: ["fit", "--config", _config_dir(p)],
     2, ("'configs'", "is a directory", "configs/a.py")),
    ("print-config-dir", _mmlight, lambda p: ["print-config", _config_dir(p)],
     2, ("is a directory", "configs/a.py")),
    ("check-dir", _mmlight, lambda p: ["check", _config_dir(p)],
     2, ("is a directory", "configs/a.py")),
    ("registry-dir-config", _mmlight, lambda p: ["registry", "-c", _config_dir(p)],
     2, ("is a directory", "configs/a.py")),
    # -- runs that would do nothing, and values found late: exit 2 before training --------
    ("empty-dataset", _train,
     lambda p: ["toy.py", "--cfg-options", "train_dataloader.dataset.size=0"],
     2, ("train_dataloader yields no batch (dataset length 0, batch_size 4, drop_last=False "
         "-> 0 batches)", "check train_dataloader.dataset")),
    ("fit-empty-dataset", _mmlight,
     lambda p: ["fit", "-c", "toy.py", "--cfg-options", "train_dataloader.dataset.size=0"],
     2, ("train_dataloader yields no batch (dataset length 0",)),
    ("iter-drop-last", _train,
     lambda p: [_iter_based(p, "d1.py", "train_dataloader = dict(drop_last=True, "
                            "dataset=dict(size=3))", sampler="DefaultSampler")],
     2, ("train_dataloader yields no batch (dataset length 3, batch_size 4, drop_last=True "
         "-> 0 batches)", "batch_size of at most 3", "train_dataloader.drop_last=False")),
    ("empty-val-dataset", _mmlight,
     lambda p: ["validate", "-c", "toy.py", "--cfg-options", "val_dataloader.dataset.size=0"],
     2, ("val_dataloader yields no batch (dataset length 0",)),
    ("max-epochs-0", _train, lambda p: ["toy.py", "--cfg-options", "train_cfg.max_epochs=0"],
     2, ("train_cfg.max_epochs must be a positive integer", "got 0")),
    ("fit-max-epochs-0", _mmlight, lambda p: ["fit", "-c", "toy.py", "--trainer.max_epochs", "0"],
     2, ("train_cfg.max_epochs must be a positive integer", "got 0")),
    ("val-interval-0", _train, lambda p: ["toy.py", "--cfg-options", "train_cfg.val_interval=0"],
     2, ("train_cfg.val_interval must be a positive integer", "got 0")),
    ("fit-val-interval-0", _mmlight,
     lambda p: ["fit", "-c", "toy.py", "--trainer.check_val_every_n_epoch", "0"],
     2, ("train_cfg.val_interval must be a positive integer", "got 0")),
    ("checkpoint-interval-negative", _train,
     lambda p: ["toy.py", "--cfg-options", "default_hooks.checkpoint.interval=-3"],
     2, ("default_hooks.checkpoint.interval must be a positive integer, or -1 for no periodic "
         "checkpoint, got -3",)),
    ("max-iters-abc", _train,
     lambda p: [_iter_based(p, "d2.py"), "--cfg-options", "train_cfg.max_iters=abc"],
     2, ("train_cfg.max_iters must be a positive integer (iterations to train), got 'abc'",)),
    ("fit-max-iters-abc", _mmlight,
     lambda p: ["fit", "-c", _iter_based(p, "d3.py", 'train_cfg = dict(max_iters="abc")')],
     2, ("train_cfg.max_iters must be a positive integer", "got 'abc'")),
    ("batch-size-negative", _train,
     lambda p: ["toy.py", "--cfg-options", "train_dataloader.batch_size=-4"],
     2, ("train_dataloader.batch_size must be a positive integer, got -4",)),
    ("fit-batch-size-negative", _mmlight,
     lambda p: ["fit", "-c", "toy.py", "--cfg.train_dataloader.batch_size", "-4"],
     2, ("train_dataloader.batch_size must be a positive integer, got -4",)),
    ("cfg-options-empty-key", _train, lambda p: ["toy.py", "--cfg-options", "=5"],
     2, ("--cfg-options: '=5' has an empty key",)),
    ("fit-cfg-options-empty-key-part", _mmlight,
     lambda p: ["fit", "-c", "toy.py", "--cfg-options", "a..b=1"],
     2, ("--cfg-options: 'a..b=1' has an empty part in the key 'a..b'",)),
    ("nonfinite-loss-mode", _train, lambda p: ["toy.py", "--cfg-options", "nonfinite_loss=off"],
     2, ("nonfinite_loss must be 'error' or 'warn', got 'off'",)),
    ("check-bad-values", _mmlight,
     lambda p: ["check", "toy.py", "--cfg-options", "train_cfg.val_interval=0",
                "train_dataloader.batch_size=-4", "default_hooks.logger.interval=0"],
     2, ("toy.py: error: train_cfg.val_interval: must be a positive integer",
         "toy.py: error: train_dataloader.batch_size: must be a positive integer, got -4",
         "toy.py: error: default_hooks.logger.interval: must be a positive integer, got 0",
         "3 problem(s) in toy.py")),
    ("check-bad-values-lines", _mmlight,
     lambda p: ["check", _child(p, "c10.py", 'train_cfg = dict(val_interval=0)\n'
                                "nonfinite_loss = 'stop'")],
     2, ("c10.py:2: error: train_cfg.val_interval: must be a positive integer",
         "c10.py:3: error: nonfinite_loss: must be 'error' or 'warn', got 'stop'",
         "2 problem(s) in c10.py")),
    # -- a non-finite loss while training: exit 1, where and which keys --------------------
    ("nan-loss", _train, lambda p: [_nan_loss(p, "n1.py")],
     1, ("non-finite loss at epoch 2, iteration 3 of the epoch (iteration 7 overall; "
         "Epoch(train) [2][3/4] as the log counts): loss=nan", "no checkpoint of this state",
         "nonfinite_loss='warn'", "--debug")),
    ("fit-nan-loss", _mmlight, lambda p: ["fit", "-c", _nan_loss(p, "n2.py")],
     1, ("non-finite loss at epoch 2, iteration 3 of the epoch", "loss=nan")),
]


@pytest.mark.parametrize(("command", "make_argv", "code", "needles"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
    command: Callable[[list[str]], int], make_argv: Callable[[Path], list[str]], code: int,
    needles: tuple[str, ...],
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    argv = make_argv(project)
    assert command(argv) == code
    err = capfd.readouterr().err
    assert "Traceback" not in err
    message = [line for line in err.splitlines() if "error:" in line]
    assert message, err
    for needle in needles:
        assert needle in err, (needle, err)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 15


def test_debug_shows_traceback(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert _train(["nope.py", "--debug"]) == 2
    assert "Traceback" in capfd.readouterr().err


def test_subprocess_errors(project: Path) -> None:
    """The console scripts' process exits the same way: status 2, one line, no traceback."""
    bad = _child(project, "c8.py", 'model = dict(type="ToyCliNett")')
    result = run_cli("mmlight.cli.train", bad, cwd=project)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "did you mean 'ToyCliNet'" in result.stderr
    result = run_cli("mmlight.cli", "check", _child(project, "c9.py", "\n".join([
        'model = dict(type="ToyCliNett")',
        'optim_wrapper = dict(optimizer=dict(type="SDG", lr=0.1))',
        "val_evaluator = None",
    ])), cwd=project)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    # every problem at once, each with file:line and key path
    assert "c9.py:2: error: model.type: 'ToyCliNett'" in result.stderr
    assert "c9.py:3: error: optim_wrapper.optimizer.type: 'SDG'" in result.stderr
    assert "val_evaluator: missing" in result.stderr
    assert "3 problem(s)" in result.stderr
    assert os.path.exists(project / "toy.py")


def test_nan_loss_writes_no_checkpoint_of_the_broken_state(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The NaN comes in epoch 2: epoch 1's checkpoints stay, nothing of epoch 2 is written;
    ``nonfinite_loss='warn'`` trains to the end and exits 0, as MMEngine does."""
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    config = _nan_loss(project, "n3.py")
    work = project / "work"
    assert _train([config]) == 1
    assert sorted(p.name for p in work.glob("*.pth")) == [
        "best_toy_accuracy_epoch_1.pth", "epoch_1.pth",
    ]
    assert (work / "last_checkpoint").read_text().strip().endswith("epoch_1.pth")
    capfd.readouterr()
    assert _train([config, "--work-dir", str(project / "warned"), "--cfg-options",
                   "nonfinite_loss=warn"]) == 0
    assert (project / "warned" / "epoch_2.pth").exists()
    assert "continuing because nonfinite_loss='warn'" in capfd.readouterr().out


@pytest.mark.parametrize("command", [
    lambda w: _train(["toy.py", "--work-dir", w, "--cfg-options", "train_cfg.val_interval=0"]),
    lambda w: _mmlight(["fit", "-c", "toy.py", "--cfg-options", f"work_dir={w}",
                        "train_cfg.val_interval=0"]),
], ids=["mmlight-train", "mmlight-fit"])
def test_a_refused_training_config_leaves_no_work_dir(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
    command: Callable[[str], int],
) -> None:
    """Values are checked before the work_dir (and its lock file) is created."""
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    assert command(str(project / "fresh")) == 2
    assert "train_cfg.val_interval must be a positive integer" in capfd.readouterr().err
    assert not (project / "fresh").exists()
