"""Fixtures of the fileio tests: a unique fsspec memory root, and clean backend caches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest


@pytest.fixture
def mem_root() -> Iterator[str]:
    """A fresh ``memory://`` folder, removed afterwards."""
    import fsspec

    root = f"memory://fileio-{uuid.uuid4().hex[:8]}"
    yield root
    fs = fsspec.filesystem("memory")
    if fs.exists(root):
        fs.rm(root, recursive=True)


@pytest.fixture(autouse=True)
def _fresh_backend_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cached backends (``enable_singleton``) must not leak between tests, e.g. a Petrel
    backend built on a fake client."""
    from mmlight.fileio import io

    monkeypatch.setattr(io, "backend_instances", {})


@pytest.fixture
def fake_petrel(monkeypatch: pytest.MonkeyPatch) -> type:
    """``petrel_client`` importable, backed by an in-memory store (the returned class)."""
    from tests.fileio.fake_petrel import install_fake_petrel

    return install_fake_petrel(monkeypatch)
