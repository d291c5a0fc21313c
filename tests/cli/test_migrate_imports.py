"""``mmlight migrate-imports``: mmengine renamed to mmlight in code only, files kept as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlight.cli.errors import CLIError
from mmlight.cli.main import main as mmlight_main
from mmlight.cli.migrate_imports import migrate_source

BEFORE = '''"""Docs: see mmengine.readthedocs.io and :class:`mmengine.model.BaseModel`."""
import mmengine
import mmengine.fileio as fileio
from mmengine.model import BaseModel  # was mmengine's
from mmcv.cnn import ConvModule
from mmengine.registry import MODELS as MMENGINE_MODELS

mmengine_version = mmengine.__version__
path = f"{mmengine.__file__}: mmengine"
names = mmengine.list_from_file('mmengine.txt')
'''
AFTER = '''"""Docs: see mmengine.readthedocs.io and :class:`mmengine.model.BaseModel`."""
import mmlight
import mmlight.fileio as fileio
from mmlight.model import BaseModel  # was mmengine's
from mmcv.cnn import ConvModule
from mmlight.registry import MODELS as MMENGINE_MODELS

mmengine_version = mmlight.__version__
path = f"{mmlight.__file__}: mmengine"
names = mmlight.list_from_file('mmengine.txt')
'''


def test_only_code_names_change() -> None:
    assert migrate_source(BEFORE) == (AFTER, 7)
    assert migrate_source(AFTER) == (AFTER, 0)  # idempotent


def test_command_rewrites_a_tree_and_check_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "models.py").write_text(BEFORE)
    (tmp_path / "pkg" / "plain.py").write_text("import torch\n")
    (tmp_path / "pkg" / "__pycache__" / "stale.py").write_text("import mmengine\n")
    assert mmlight_main(["migrate-imports", str(tmp_path / "pkg"), "--check"]) == 1
    assert "would change 7 names in 1 of 2 files" in capsys.readouterr().out
    assert (tmp_path / "pkg" / "models.py").read_text() == BEFORE  # --check writes nothing
    assert mmlight_main(["migrate-imports", str(tmp_path / "pkg")]) == 0
    assert "changed 7 names in 1 of 2 files" in capsys.readouterr().out
    assert (tmp_path / "pkg" / "models.py").read_text() == AFTER
    assert mmlight_main(["migrate-imports", str(tmp_path / "pkg"), "--check"]) == 0


def test_broken_python_changes_nothing(tmp_path: Path) -> None:
    with pytest.raises(CLIError, match=r"bad\.py: not valid Python .*nothing was changed"):
        migrate_source("import mmengine\ndef (:\n", "bad.py")
    assert mmlight_main(["migrate-imports", str(tmp_path / "missing")]) == 2
