"""Shared fixtures: throwaway packages on sys.path, and DefaultScope / root-registry cleanup."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mmlight.registry import DefaultScope, root

MakePkg = Callable[[str, dict[str, str]], Path]


@pytest.fixture
def make_pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakePkg]:
    """Write a package ``name`` with ``files`` (relative path -> source) and put it on sys.path."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []

    def make(name: str, files: dict[str, str]) -> Path:
        made.append(name)
        pkg = tmp_path / name
        for rel, text in {"__init__.py": "", **files}.items():
            path = pkg / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return pkg

    yield make
    for mod in list(sys.modules):
        if any(mod == n or mod.startswith(n + ".") for n in made):
            del sys.modules[mod]


@pytest.fixture(autouse=True)
def _isolate_global_state() -> Iterator[None]:
    """Tests may set default scopes and add children to root registries: undo both."""
    saved_scopes = DefaultScope._instance_dict.copy()
    children = {
        name: dict(reg.children)
        for name, reg in vars(root).items()
        if isinstance(reg, root.Registry)
    }
    yield
    DefaultScope._instance_dict = saved_scopes
    for name, before in children.items():
        reg = getattr(root, name)
        reg.children.clear()
        reg.children.update(before)
