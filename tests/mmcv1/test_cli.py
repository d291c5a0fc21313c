"""``mmlight migrate-config`` and MMCV 1.x configs run directly by ``mmlight-train``/``fit``."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from mmlight.cli.main import main as mmlight_main
from tests.cli.conftest import TOY_MODULE, run_cli

CORPUS = Path(__file__).parent / "configs"

OLD_TOY = """
custom_imports = dict(imports=["toy_cli_pkg"], allow_failed_imports=False)
model = dict(type="ToyCliNet", hidden=8)
work_dir = "work"
data = dict(samples_per_gpu=4, workers_per_gpu=0,
            train=dict(type="ToyCliData", size=16), val=dict(type="ToyCliData", size=16))
evaluation = dict(interval=1, metric="toy")
optimizer = dict(type="SGD", lr=0.1, momentum=0.9)
optimizer_config = dict(grad_clip=dict(max_norm=10))
lr_config = dict(policy="poly", power=1.0, min_lr=0.01, by_epoch=False, warmup="linear",
                 warmup_iters=2, warmup_ratio=0.1)
runner = dict(type="EpochBasedRunner", max_epochs=2)
checkpoint_config = dict(interval=1)
log_config = dict(interval=1, hooks=[dict(type="TextLoggerHook")])
seed = 0
"""


@pytest.fixture()
def old_project(tmp_path: Path) -> Path:
    (tmp_path / "toy_cli_pkg.py").write_text(textwrap.dedent(TOY_MODULE))
    (tmp_path / "old.py").write_text(OLD_TOY)
    return tmp_path


def expected_lr(it: int) -> float:
    """MMCV 1.7's poly-by-iteration with linear warm-up, 8 iterations (2 epochs of 4)."""
    regular = (0.1 - 0.01) * (1 - it / 8) + 0.01
    return regular * (1 - (1 - it / 2) * 0.9) if it < 2 else regular


def test_mmcv1_config_trains_under_mmlight_train(old_project: Path) -> None:
    result = run_cli("mmlight.cli.train", "old.py", cwd=old_project, check_rc=0)
    notices = [line for line in result.stderr.splitlines() if "is an MMCV 1.x config" in line]
    assert len(notices) == 1, result.stderr
    assert "translated it to MMEngine style on load" in notices[0]
    log = result.stdout + result.stderr
    assert "Epoch(train) [2][4/4]" in log
    logged = [
        float(v) for v in re.findall(r"Epoch\(train\) +\[\d\]\[\d/4\].*? lr: ([0-9.e+-]+)", log)
    ]
    assert len(logged) == 8
    assert logged == pytest.approx([expected_lr(it) for it in range(8)], rel=1e-4)
    assert (old_project / "work" / "epoch_2.pth").is_file()
    dumped = (old_project / "work" / "old.py").read_text()
    assert "MMCV1LrScheduler" in dumped and "runner" not in re.findall(r"^(\w+) =", dumped, re.M)


def test_mmcv1_config_runs_under_mmlight_fit(old_project: Path) -> None:
    result = run_cli(
        "mmlight.cli",
        "fit",
        "--config",
        "old.py",
        "--trainer.max_epochs",
        "1",
        cwd=old_project,
        check_rc=0,
    )
    assert result.stderr.count("is an MMCV 1.x config") == 1, result.stderr
    assert "Epoch(train) [1][4/4]" in result.stdout + result.stderr


def test_migrate_config_writes_a_file_that_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new.py"
    source = str(CORPUS / "det_step_linear_warmup.py")
    assert mmlight_main(["migrate-config", source, "-o", str(target)]) == 0
    assert re.search(r"wrote .*new.py \(\d+ NOTE\(s\) to review\)", capsys.readouterr().err)
    text = target.read_text()
    assert text.startswith("# Translated from det_step_linear_warmup.py (an MMCV 1.x config)")
    assert "pipeline=train_pipeline" in text  # the config's own variable, by name
    assert mmlight_main(["migrate-config", source, "-o", str(target)]) == 2
    assert "exists; pass --force to overwrite it" in capsys.readouterr().err
    assert mmlight_main(["migrate-config", source, "-o", str(target), "--force"]) == 0


def test_migrate_config_to_stdout_and_refusing_new_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mmlight_main(["migrate-config", str(CORPUS / "one_cycle.py")]) == 0
    out = capsys.readouterr().out
    assert "type='OneCycleLR'" in out and "# NOTE:" in out
    new = tmp_path / "new.py"
    new.write_text("model = dict(type='M')\noptim_wrapper = dict(optimizer=dict(type='SGD'))\n")
    assert mmlight_main(["migrate-config", str(new)]) == 2
    assert "is not an MMCV 1.x config" in capsys.readouterr().err


def test_mmengine_config_loads_without_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mmlight.cli.resolve import load_config

    new = tmp_path / "new.py"
    new.write_text("model = dict(type='M')\noptim_wrapper = dict(optimizer=dict(type='SGD'))\n")
    assert load_config(str(new)).optim_wrapper.optimizer.type == "SGD"
    assert "MMCV 1.x" not in capsys.readouterr().err
