"""Fixtures of the fileio tests: a unique fsspec memory root, clean backend caches, and an
in-memory stand-in for SenseTime's ``petrel_client`` (not on PyPI), so the Petrel backends of
mmlight and mmengine can run the same calls."""

from __future__ import annotations

import sys
import types
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
    return install_fake_petrel(monkeypatch)


class FakeClient:
    """Keys are full ``s3://`` paths; a folder exists where some key lies below it."""

    store: dict[str, bytes] = {}

    def __init__(self, conf_path: str | None = None, enable_mc: bool = True) -> None:
        self.conf_path = conf_path
        self.enable_mc = enable_mc

    def Get(self, path: str) -> bytes:
        return self.store[path]

    def put(self, path: str, data: bytes) -> None:
        self.store[path] = bytes(data)

    def contains(self, path: str) -> bool:
        return path in self.store

    def isdir(self, path: str) -> bool:
        head = path.rstrip("/") + "/"
        return any(key.startswith(head) for key in self.store)

    def delete(self, path: str) -> None:
        del self.store[path]

    def list(self, path: str) -> Iterator[str]:
        head = path.rstrip("/") + "/"
        seen: list[str] = []
        for key in sorted(self.store):
            if key.startswith(head):
                rest = key[len(head):]
                name = rest.split("/", 1)[0] + ("/" if "/" in rest else "")
                if name not in seen:
                    seen.append(name)
        yield from seen

    def generate_presigned_url(self, url: str, client_method: str, expires_in: int) -> str:
        return f"{url}?method={client_method}&expires={expires_in}"


def install_fake_petrel(monkeypatch: pytest.MonkeyPatch) -> type[FakeClient]:
    """Make ``from petrel_client import client`` find :class:`FakeClient`, with an empty
    store; undone by ``monkeypatch`` at the test's end."""
    package = types.ModuleType("petrel_client")
    module = types.ModuleType("petrel_client.client")
    client_cls = type("Client", (FakeClient,), {"store": {}})
    module.Client = client_cls  # type: ignore[attr-defined]
    package.client = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "petrel_client", package)
    monkeypatch.setitem(sys.modules, "petrel_client.client", module)
    return client_cls
