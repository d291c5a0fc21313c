"""mmsegmentation's own FCN config trains on Lightning exactly as under mmengine.

A child of mmseg 1.2.2's ``fcn_r18-d8`` Cityscapes config changes only what a user's job
changes: data paths (a tiny Cityscapes-layout dataset written here), sizes, ``num_classes``,
``BN`` for ``SyncBN``, no ImageNet download (``pretrained=None``), the seed, a few iterations
with the logger and checkpoints at every step. Everything else is mmseg's: the iteration-based
schedule, ``SegDataPreProcessor``, transforms, ``SegLocalVisualizer``, ``SegVisualizationHook``,
``IoUMetric``, two dataloader workers. It runs these ways, each in a fresh interpreter at one
thread:

- ``mmlight-train`` (mmlight's Runner on Lightning), and ``mmlight fit -c`` (LightningCLI);
- mmseg's ``tools/train.py`` under mmengine (the oracle; mmseg's ``tools/`` are not in its
  wheel, so ``TRAIN_PY`` does what that script does with the config);
- that same script with ``runner_type='MMLightRunner'`` and ``custom_imports`` of
  ``mmlight.bridge`` (mmengine's ``RUNNERS`` builds mmlight's Runner).

Losses, accuracies and learning rates of every iteration, validation metrics and the final
weights are equal bit for bit; the test stage (``mmlight-test``, ``tools/test.py`` both ways)
gives the same mIoU from each other's checkpoints. mmcv-lite has no ``mmcv.ops``, which mmseg
imports: ``mmcv_ops_standin/`` stands in for it (import only; see its docstring).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.interop

pytest.importorskip("mmseg")
cv2 = pytest.importorskip("cv2")

ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).with_name("mmcv_ops_standin")
BIN = Path(sys.executable).parent


def _fcn_config() -> Path:
    spec = importlib.util.find_spec("mmseg")
    assert spec is not None and spec.origin is not None
    return (
        Path(spec.origin).parent / ".mim" / "configs" / "fcn"
        / "fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py"
    )


FCN_CONFIG = _fcn_config()
if not FCN_CONFIG.is_file():
    pytest.skip(f"mmseg's configs are not installed ({FCN_CONFIG})", allow_module_level=True)

NUM_CLASSES = 4
ITERS = 4

# The user's child config: only the overrides a user's job makes.
CHILD_PY = """
_base_ = '{base}'
{runner_lines}
data_root = '{data_root}/'
crop_size = (32, 64)
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes={num_classes}, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes={num_classes}, norm_cfg=norm_cfg))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(128, 64), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 64), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_iters={iters}, val_interval=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
randomness = dict(seed=0)
"""

ON_LIGHTNING = """
runner_type = 'MMLightRunner'
custom_imports = dict(imports=['mmlight.bridge'], allow_failed_imports=False)
"""

# What mmseg 1.2.2's tools/train.py and tools/test.py do with a config (argument parsing left
# out), plus one line of JSON naming the runner that ran.
_SCRIPT_HEAD = """
import json
import sys

from mmengine.config import Config
from mmengine.runner import Runner

from mmseg.registry import RUNNERS
from mmseg.utils import register_all_modules

register_all_modules(init_default_scope=True)
cfg = Config.fromfile(sys.argv[1])
cfg.launcher = 'none'
cfg.work_dir = sys.argv[2]
"""

_SCRIPT_BUILD = """
if 'runner_type' not in cfg:
    runner = Runner.from_cfg(cfg)
else:
    runner = RUNNERS.build(cfg)
"""

_SCRIPT_TAIL = """
print(json.dumps(dict(runner=f'{type(runner).__module__}.{type(runner).__name__}')))
"""

TRAIN_PY = _SCRIPT_HEAD + "cfg.resume = False\n" + _SCRIPT_BUILD + "runner.train()\n" + _SCRIPT_TAIL
TEST_PY = _SCRIPT_HEAD + "cfg.load_from = sys.argv[3]\n" + _SCRIPT_BUILD + "runner.test()\n" + (
    _SCRIPT_TAIL
)

# Scalars compared per iteration (times differ from run to run).
TRAIN_KEYS = ("lr", "loss", "decode.loss_ce", "decode.acc_seg", "aux.loss_ce", "aux.acc_seg")
METRIC_KEYS = ("aAcc", "mIoU", "mAcc")


def _write_cityscapes(root: Path) -> None:
    """A few 64x128 random images with label maps, laid out as Cityscapes is."""
    rng = np.random.default_rng(0)
    for split, count in (("train", 4), ("val", 2)):
        images = root / "leftImg8bit" / split / "tinycity"
        labels = root / "gtFine" / split / "tinycity"
        images.mkdir(parents=True)
        labels.mkdir(parents=True)
        for i in range(count):
            stem = f"tinycity_{i:06d}_000019"
            image = rng.integers(0, 256, (64, 128, 3), dtype=np.uint8)
            label = rng.integers(0, NUM_CLASSES, (64, 128), dtype=np.uint8)
            label[:4] = 255  # mmseg's ignore index
            assert cv2.imwrite(str(images / f"{stem}_leftImg8bit.png"), image)
            assert cv2.imwrite(str(labels / f"{stem}_gtFine_labelTrainIds.png"), label)


@dataclass
class Run:
    """One process's outcome: its output, work_dir and the scalars its visualizer recorded."""

    stdout: str
    stderr: str
    work_dir: Path

    @property
    def scalars(self) -> list[dict[str, Any]]:
        (path,) = self.work_dir.glob("*/vis_data/scalars.json")
        return [json.loads(line) for line in path.read_text().splitlines()]

    @property
    def train(self) -> dict[int, dict[str, float]]:
        return {
            s["iter"]: {k: s[k] for k in TRAIN_KEYS} for s in self.scalars if "loss" in s
        }

    @property
    def val(self) -> dict[int, dict[str, float]]:
        return {
            s["step"]: {k: s[k] for k in METRIC_KEYS} for s in self.scalars if "mIoU" in s
        }

    @property
    def test_metrics(self) -> dict[str, float]:
        (path,) = (p for p in self.work_dir.glob("*/*.json") if p.stem == p.parent.name)
        (record,) = (json.loads(line) for line in path.read_text().splitlines())
        return {k: record[k] for k in METRIC_KEYS}

    @property
    def runner(self) -> str:
        return str(json.loads(self.stdout.strip().splitlines()[-1])["runner"])

    def weights(self) -> dict[str, torch.Tensor]:
        checkpoint = torch.load(
            self.work_dir / f"iter_{ITERS}.pth", map_location="cpu", weights_only=False
        )
        state: dict[str, torch.Tensor] = checkpoint["state_dict"]
        return state


def _run(argv: list[str], work_dir: Path, cwd: Path, **extra_env: str) -> Run:
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(cwd),
        "PYTHONPATH": os.pathsep.join([str(STANDIN), str(ROOT)]),  # STANDIN: sitecustomize
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        **extra_env,
    }
    result = subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=600
    )
    assert result.returncode == 0, f"{argv}\n{result.stdout[-2000:]}\n{result.stderr[-6000:]}"
    return Run(result.stdout, result.stderr, work_dir)


@pytest.fixture(scope="module")
def fcn(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The three trainings and three tests, each run once for the module's tests."""
    tmp = tmp_path_factory.mktemp("fcn")
    _write_cityscapes(tmp / "cityscapes")
    (tmp / "train.py").write_text(textwrap.dedent(TRAIN_PY))
    (tmp / "test.py").write_text(textwrap.dedent(TEST_PY))
    for name, runner_lines in (("child", ""), ("child_lightning", ON_LIGHTNING)):
        (tmp / f"{name}.py").write_text(
            CHILD_PY.format(
                base=FCN_CONFIG, runner_lines=runner_lines, data_root=tmp / "cityscapes",
                num_classes=NUM_CLASSES, iters=ITERS,
            )
        )
    python = sys.executable

    def run(name: str, argv: Callable[[Path], list[str]], **env: str) -> Run:
        return _run(argv(tmp / name), tmp / name, tmp, **env)

    runs = dict(
        mmlight_train=run("mmlight_train", lambda wd: [
            str(BIN / "mmlight-train"), "child.py", "--work-dir", str(wd)]),
        mmengine=run("mmengine", lambda wd: [python, "train.py", "child.py", str(wd)]),
        runner_type=run("runner_type", lambda wd: [
            python, "train.py", "child_lightning.py", str(wd)]),
        lightning_cli=run("lightning_cli", lambda wd: [
            str(BIN / "mmlight"), "fit", "-c", "child.py", "--cfg.work_dir", str(wd)]),
    )
    # Tests, each on another run's checkpoint: mmlight reads mmengine's (through its safe
    # loader) and mmengine reads mmlight's.
    ckpt = f"iter_{ITERS}.pth"
    runs.update(
        mmlight_test=run("mmlight_test", lambda wd: [
            str(BIN / "mmlight-test"), "child.py", str(tmp / "mmengine" / ckpt),
            "--work-dir", str(wd)]),
        # mmengine 0.10.7 cannot read its own checkpoints under torch>=2.6's weights_only
        # default (users set this variable); mmlight's loader needs no such switch.
        mmengine_test=run("mmengine_test", lambda wd: [
            python, "test.py", "child.py", str(wd), str(tmp / "mmlight_train" / ckpt)],
            TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD="1"),
        runner_type_test=run("runner_type_test", lambda wd: [
            python, "test.py", "child_lightning.py", str(wd), str(tmp / "runner_type" / ckpt)]),
    )
    return runs


def _assert_same_weights(run: Run, oracle: Run) -> None:
    weights, expected = run.weights(), oracle.weights()
    assert weights.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(weights[key], value), key


def test_mmlight_train_equals_mmsegs_tools_train_under_mmengine(fcn: dict[str, Run]) -> None:
    ours, oracle = fcn["mmlight_train"], fcn["mmengine"]

    assert sorted(oracle.train) == list(range(1, ITERS + 1))
    assert sorted(oracle.val) == [2, 4]
    assert ours.train == oracle.train
    assert ours.val == oracle.val
    _assert_same_weights(ours, oracle)


def test_tools_train_with_runner_type_trains_on_lightning_to_the_same_numbers(
    fcn: dict[str, Run],
) -> None:
    on_lightning, oracle = fcn["runner_type"], fcn["mmengine"]

    assert on_lightning.runner == "mmlight.runner.runner.Runner"
    assert oracle.runner == "mmengine.runner.runner.Runner"
    assert on_lightning.train == oracle.train
    assert on_lightning.val == oracle.val
    _assert_same_weights(on_lightning, oracle)


def test_mmlight_fit_lightning_cli_trains_to_the_same_numbers(fcn: dict[str, Run]) -> None:
    ours, oracle = fcn["lightning_cli"], fcn["mmengine"]

    assert ours.train == oracle.train
    assert ours.val == oracle.val
    _assert_same_weights(ours, oracle)


def test_the_test_stage_gives_the_final_validation_numbers_every_way(
    fcn: dict[str, Run],
) -> None:
    final_val = fcn["mmengine"].val[ITERS]

    assert fcn["mmlight_test"].test_metrics == final_val
    assert fcn["mmengine_test"].test_metrics == final_val
    assert fcn["runner_type_test"].test_metrics == final_val
    assert fcn["runner_type_test"].runner == "mmlight.runner.runner.Runner"


def test_mmsegs_visualizer_and_hook_ran_under_mmlight_train(fcn: dict[str, Run]) -> None:
    run = fcn["mmlight_train"]
    # SegLocalVisualizer (an mmengine Visualizer) recorded the config through its LocalVisBackend
    (dumped,) = run.work_dir.glob("*/vis_data/config.py")
    assert "type='SegLocalVisualizer'" in dumped.read_text()
    assert "type='EncoderDecoder'" in dumped.read_text()
    # SegVisualizationHook was built (it warns that draw=False, mmseg's default)
    assert "The draw is False" in run.stderr
    for name in ("iter_2.pth", "iter_4.pth", "last_checkpoint"):
        assert (run.work_dir / name).is_file(), name


def test_the_mmcv_ops_stand_in_fakes_no_op() -> None:
    spec = importlib.util.spec_from_file_location("mmcv_ops_standin", STANDIN / "mmcv_ops.py")
    assert spec is not None and spec.loader is not None
    standin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standin)

    assert sorted(standin.__all__) == [
        "CrissCrossAttention", "PSAMask", "point_sample", "sigmoid_focal_loss"]
    for name in standin.__all__:
        with pytest.raises(
            NotImplementedError, match=rf"mmcv\.ops\.{name} is not available: .*install full mmcv"
        ):
            getattr(standin, name)()


def test_mmlight_check_finds_no_error_in_the_child_config(fcn: dict[str, Run]) -> None:
    project = fcn["mmengine"].work_dir.parent

    checked = _run([str(BIN / "mmlight"), "check", "child.py"], project, project)

    # only mmseg's norm_cfg=dict(type='BN', requires_grad=True), which mmcv's builder takes apart
    assert checked.stdout.strip() == "child.py: OK (3 warning(s))"
    assert checked.stderr.count("'BN' takes no argument 'requires_grad'") == 3
