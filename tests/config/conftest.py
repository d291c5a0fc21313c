"""Shared fixtures for the mmlight.config tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data() -> Path:
    """The checked-in config files (tests/config/data)."""
    return DATA


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    """Write a dedented config file under tmp_path; return its path as a string."""

    def _write(name: str, text: str) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return str(path)

    return _write
