"""Fixtures shared across test packages."""

from __future__ import annotations

import itertools
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs, for full-disk tests (needs root; skipped where mounting is not
    allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


# ``mm_log``: what the current MMLogger receives (model code and metrics log there, as
# mmengine's do); tests/model and tests/evaluator use it.
_fresh = itertools.count()


class _Text(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def mm_log() -> Iterator[_Text]:
    from mmlight.logging import MMLogger

    handler = _Text()
    # A logger of its own, made current: an earlier test's (a Runner's, with a log file) would
    # take model init info into its file instead.
    logger = MMLogger.get_instance(f"mm_log-{next(_fresh)}")
    logger.setLevel(logging.DEBUG)  # model init info is logged at DEBUG
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
