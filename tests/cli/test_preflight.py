"""Mistakes in what the user typed are reported before the config's modules (torch, the
user's code) are imported: missing or folder checkpoints, work_dirs that cannot be written."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlight.cli.errors import CLIError
from mmlight.cli.preflight import check_checkpoint_path, check_work_dir
from tests.cli.conftest import run_cli

# custom_imports of this config leaves a marker when imported: it must not be, on bad input.
_MARKER_MODULE = "import pathlib\npathlib.Path(__file__).with_name('imported').touch()\n"
_CONFIG = """
custom_imports = dict(imports=["marker_module"], allow_failed_imports=False)
model = dict(type="NoSuchModelNeeded")
work_dir = "wd"
"""


@pytest.fixture()
def marked(tmp_path: Path) -> Path:
    (tmp_path / "marker_module.py").write_text(_MARKER_MODULE)
    (tmp_path / "cfg.py").write_text(_CONFIG)
    return tmp_path


@pytest.mark.parametrize(
    ("module", "args", "message"),
    [
        ("mmlight.cli.train", ["--resume", "missing.pth"], "--resume 'missing.pth' does not exist"),
        ("mmlight.cli.test", ["missing.pth"], "checkpoint 'missing.pth' does not exist"),
        ("mmlight.cli.train", ["--work-dir", "cfg.py/sub"], "cannot be created: '"),
    ],
)
def test_reported_before_custom_imports(
    marked: Path, module: str, args: list[str], message: str
) -> None:
    result = run_cli(module, "cfg.py", *args, cwd=marked, check_rc=2)
    assert message in result.stderr, result.stderr
    assert not (marked / "imported").exists()
    assert "Traceback" not in result.stderr


def test_custom_imports_still_run_for_good_input(marked: Path) -> None:
    result = run_cli("mmlight.cli.train", "cfg.py", cwd=marked, check_rc=2)
    assert (marked / "imported").exists()
    assert "NoSuchModelNeeded" in result.stderr  # got as far as building the model


def test_checkpoint_path_checks(tmp_path: Path) -> None:
    (tmp_path / "epoch_10.pth").write_bytes(b"x")
    check_checkpoint_path(str(tmp_path / "epoch_10.pth"), "--resume")
    check_checkpoint_path("s3://bucket/epoch_1.pth", "--resume")  # the loader's to judge
    with pytest.raises(CLIError, match=r"'.*epoch_1\.pth' does not exist\. Did you mean"):
        check_checkpoint_path(str(tmp_path / "epoch_1.pth"), "--resume")
    with pytest.raises(CLIError, match=r"is a directory, not a checkpoint file"):
        check_checkpoint_path(str(tmp_path), "--resume")


def test_work_dir_checks(tmp_path: Path) -> None:
    check_work_dir(str(tmp_path / "new" / "deeper"), "--work-dir")
    assert not (tmp_path / "new").exists()  # checking creates nothing
    assert list(tmp_path.iterdir()) == []
    check_work_dir("memory://runs/a", "--work-dir")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CLIError, match=r"--work-dir '.*file' is a file, not a folder"):
        check_work_dir(str(tmp_path / "file"), "--work-dir")
    with pytest.raises(CLIError, match=r"work_dir in cfg.py '.*sub' cannot be created: '.*file'"):
        check_work_dir(str(tmp_path / "file" / "sub"), "work_dir in cfg.py")
