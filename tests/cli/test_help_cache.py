"""``mmlight STAGE --help``: built once (Lightning's parser), then printed without torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = (
    "import sys; from mmlight.cli.main import main; code = main(['fit', '--help']); "
    "sys.stderr.write(f'torch imported: {\"torch\" in sys.modules}, code {code}')"
)


def _help(cache: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache), "COLUMNS": "120", **env}
    return subprocess.run([sys.executable, "-c", _SCRIPT], env=environment, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def test_second_help_is_the_same_text_without_torch(tmp_path: Path) -> None:
    first = _help(tmp_path)
    assert first.stderr.endswith("torch imported: True, code 0")
    assert "--trainer.max_epochs" in first.stdout and "--print_config" in first.stdout
    (kept,) = (tmp_path / "mmlight" / "help").iterdir()
    assert kept.name.startswith("fit-") and kept.read_text() == first.stdout
    second = _help(tmp_path)
    assert second.stderr.endswith("torch imported: False, code 0")
    assert second.stdout == first.stdout


def test_other_terminal_width_or_switched_off_builds_again(tmp_path: Path) -> None:
    _help(tmp_path)
    wider = _help(tmp_path, COLUMNS="200")
    assert wider.stderr.endswith("torch imported: True, code 0")
    assert len(list((tmp_path / "mmlight" / "help").iterdir())) == 2
    off = _help(tmp_path / "off", MMLIGHT_HELP_CACHE="0")
    assert off.stderr.endswith("torch imported: True, code 0")
    assert not (tmp_path / "off" / "mmlight").exists()
