"""``mmlight plot``: curves read from scalar logs, drawn into an image, errors named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmlight.cli.main import main as mmlight_main
from mmlight.cli.plot import draw_curves
from mmlight.cli.plot import main as plot_main
from mmlight.cli.scalar_curves import PlotInputError, curves_for, find_scalar_file, read_run
from tests.cli.conftest import run_cli

pytest.importorskip("matplotlib")

TRAIN = [
    {"lr": 0.1, "loss": 0.9, "time": 0.01, "data_time": 0.001, "epoch": 1, "iter": 1, "step": 1},
    {"lr": 0.1, "loss": 0.7, "time": 0.01, "data_time": 0.001, "epoch": 1, "iter": 2, "step": 2},
    {"lr": 0.05, "loss": 0.4, "time": 0.01, "data_time": 0.001, "epoch": 2, "iter": 3, "step": 3},
]
VAL = [{"accuracy/top1": 50.0, "data_time": 0.0, "time": 0.02, "step": 1}]


def _write_run(work_dir: Path, stamp: str, records: list[dict]) -> Path:
    scalars = work_dir / stamp / "vis_data" / "scalars.json"
    scalars.parent.mkdir(parents=True)
    scalars.write_text("".join(json.dumps(r) + "\n" for r in records))
    return scalars


def test_work_dir_resolves_to_its_latest_run(tmp_path: Path) -> None:
    _write_run(tmp_path, "20260101_000000", TRAIN[:1])
    latest = _write_run(tmp_path, "20260102_000000", TRAIN)
    assert find_scalar_file(tmp_path) == latest
    assert find_scalar_file(latest.parent.parent) == latest
    assert find_scalar_file(latest) == latest


def test_curves_follow_the_logged_values(tmp_path: Path) -> None:
    _write_run(tmp_path, "run", TRAIN + VAL)
    curves = {c.key: c for c in curves_for([read_run(tmp_path, "a")])}
    assert list(curves) == ["lr", "loss", "accuracy/top1"]  # bookkeeping keys left out
    assert curves["loss"].xs == [1.0, 2.0, 3.0] and curves["loss"].ys == [0.9, 0.7, 0.4]
    assert curves["loss"].x_name == "iter"
    assert curves["accuracy/top1"].x_name == "epoch" and curves["accuracy/top1"].ys == [50.0]


def test_a_key_finds_the_metric_it_abbreviates(tmp_path: Path) -> None:
    _write_run(tmp_path, "run", TRAIN + VAL)
    curves = curves_for([read_run(tmp_path)], ["accuracy", "loss"])
    assert [c.key for c in curves] == ["accuracy/top1", "loss"]


def test_unknown_keys_are_named_with_what_was_logged(tmp_path: Path) -> None:
    _write_run(tmp_path, "run", TRAIN)
    message = r"--keys mIoU: not logged by this run; logged: lr, loss"
    with pytest.raises(PlotInputError, match=message):
        curves_for([read_run(tmp_path)], ["mIoU"])


def test_a_broken_line_is_reported_with_its_number(tmp_path: Path) -> None:
    scalars = _write_run(tmp_path, "run", TRAIN)
    scalars.write_text(scalars.read_text() + '{"loss": 0.3,\n')
    with pytest.raises(PlotInputError, match=r"scalars\.json:4: not a JSON object"):
        read_run(tmp_path)


def test_a_folder_without_logs_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(PlotInputError, match=r"found no scalar log in it; give a work_dir"):
        find_scalar_file(tmp_path)


def test_drawn_lines_hold_the_scalars_of_every_run(tmp_path: Path) -> None:
    _write_run(tmp_path / "a", "run", TRAIN)
    _write_run(tmp_path / "b", "run", [dict(r, loss=r["loss"] / 2) for r in TRAIN])
    runs = [read_run(tmp_path / "a", "a"), read_run(tmp_path / "b", "b")]
    figure = draw_curves(curves_for(runs, ["loss"]), title="two runs")
    (axes,) = figure.axes
    assert axes.get_title() == "loss" and axes.get_xlabel() == "iter"
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert list(lines["a"].get_ydata()) == [0.9, 0.7, 0.4]
    assert list(lines["b"].get_ydata()) == [0.45, 0.35, 0.2]
    assert list(lines["b"].get_xdata()) == [1.0, 2.0, 3.0]


def test_cli_errors_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_run(tmp_path, "run", TRAIN)
    assert plot_main([str(tmp_path), "--keys", "nope"]) == 2
    assert "mmlight plot: error: --keys nope: not logged" in capsys.readouterr().err
    assert plot_main([str(tmp_path), "--legend", "x", "y"]) == 2
    assert "give one name per run" in capsys.readouterr().err
    assert plot_main([str(tmp_path / "missing")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_plot_a_real_run_end_to_end(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Train with mmlight-train, then plot its work_dir: the PNG's curves are the logged values."""
    run_cli("mmlight.cli.train", "toy.py", "--work-dir", "wd", cwd=project, check_rc=0)
    out = project / "curves.png"
    assert mmlight_main(["plot", str(project / "wd"), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    lines = find_scalar_file(project / "wd").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    losses = [r["loss"] for r in records if "loss" in r]
    accuracy = [r["toy/accuracy"] for r in records if "toy/accuracy" in r]
    assert len(losses) == 8 and len(accuracy) == 2  # 2 epochs x 4 iterations, 2 validations
    curves = {c.key: c for c in curves_for([read_run(project / "wd")])}
    assert curves["loss"].ys == losses and curves["toy/accuracy"].ys == accuracy
    assert curves["loss"].xs == [float(i) for i in range(1, 9)]
