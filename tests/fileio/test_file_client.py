"""The deprecated FileClient: tables, shared instances, warnings, registration."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mmlight import fileio
from mmlight.fileio import FileClient, HardDiskBackend
from mmlight.fileio.backends import BaseStorageBackend, HTTPBackend, PetrelBackend


@pytest.fixture(autouse=True)
def clean_client_tables() -> Iterator[None]:
    saved = (dict(FileClient._backends), dict(FileClient._prefix_to_backends),
             dict(FileClient._instances))
    FileClient._instances.clear()
    yield
    FileClient._backends.clear()
    FileClient._backends.update(saved[0])
    FileClient._prefix_to_backends.clear()
    FileClient._prefix_to_backends.update(saved[1])
    FileClient._instances.clear()
    FileClient._instances.update(saved[2])


class _Bytes(BaseStorageBackend):
    value = b"one"

    def get(self, filepath: Any) -> bytes:
        return self.value

    def get_text(self, filepath: Any, encoding: str = "utf-8") -> str:
        return self.value.decode()


def test_disk_client(tmp_path: Path) -> None:
    client = FileClient("disk")
    assert client.name == "HardDiskBackend" and client.allow_symlink
    assert isinstance(client.client, HardDiskBackend)
    path = tmp_path / "d" / "a.txt"
    client.put_text("hi", path)
    assert client.get(path) == b"hi" and client.get_text(str(path)) == "hi"
    assert client.exists(path) and client.isfile(path) and client.isdir(tmp_path / "d")
    assert client.join_path(str(tmp_path), "d") == str(tmp_path / "d")
    assert list(client.list_dir_or_file(tmp_path / "d")) == ["a.txt"]
    with client.get_local_path(path) as local:
        assert local == str(path)
    client.remove(path)
    assert not client.exists(path)


def test_shared_instances_and_errors(fake_petrel: type) -> None:
    assert FileClient() is FileClient("disk") is FileClient(backend="disk")
    petrel = FileClient(prefix="s3", enable_mc=False)
    assert petrel is FileClient(prefix="s3", enable_mc=False)
    assert petrel is not FileClient(prefix="s3", enable_mc=True)
    assert isinstance(petrel.client, PetrelBackend) and not petrel.allow_symlink
    assert "None:s3:enable_mc:False" in FileClient._instances
    with pytest.raises(ValueError, match=r"Backend nope is not supported. Currently supported "
                                         r"ones are \['disk', 'memcached'"):
        FileClient("nope")
    with pytest.raises(ValueError, match="prefix memory is not supported"):
        FileClient(prefix="memory")


def test_deprecation_warnings_are_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    import mmlight.logging

    logged: list[tuple[str, Any, int]] = []
    monkeypatch.setattr(mmlight.logging, "print_log",
                        lambda msg, logger=None, level=logging.INFO:
                        logged.append((msg, logger, level)))
    FileClient("disk")
    _ = HardDiskBackend().allow_symlink
    assert [(logger, level) for _, logger, level in logged] == [("current", logging.WARNING)] * 4
    text = " ".join(msg for msg, _, _ in logged)
    assert '"FileClient" will be deprecated in future' in text
    assert '"HardDiskBackend" is the alias of "LocalBackend"' in text
    assert "allow_symlink will be deprecated in future" in text


def test_parse_uri_prefix_and_infer_client(fake_petrel: type) -> None:
    assert FileClient.parse_uri_prefix("/a/b") is None
    assert FileClient.parse_uri_prefix(Path("a")) is None
    assert FileClient.parse_uri_prefix("https://h/a") == "https"
    assert FileClient.parse_uri_prefix("cluster:s3://b/a") == "s3"
    with pytest.raises(AssertionError):
        FileClient.parse_uri_prefix(None)  # type: ignore[arg-type]
    assert FileClient.infer_client(uri="/a").name == "HardDiskBackend"
    assert FileClient.infer_client({"backend": "disk"}).name == "HardDiskBackend"
    assert FileClient.infer_client(uri="s3://b/a").name == "PetrelBackend"
    assert FileClient.infer_client({"backend": "petrel"}, "/a").name == "PetrelBackend"
    assert isinstance(FileClient.infer_client(uri="https://h/a").client, HTTPBackend)
    with pytest.raises(AssertionError):
        FileClient.infer_client()


def test_register_backend() -> None:
    with pytest.raises(TypeError, match="the backend name should be a string"):
        FileClient.register_backend(1, _Bytes)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="backend should be a class"):
        FileClient.register_backend("int", 0)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="not a subclass of BaseStorageBackend"):
        FileClient.register_backend("dict", dict)  # type: ignore[arg-type]
    FileClient.register_backend("ex", _Bytes, prefixes="ex_prefix")
    first = FileClient("ex")
    assert first.get("x") == b"one" and FileClient(prefix="ex_prefix").get_text("x") == "one"
    with pytest.raises(KeyError, match="ex is already registered"):
        FileClient.register_backend("ex", _Bytes)

    @FileClient.register_backend("ex", force=True, prefixes=["ex_prefix"])
    class Two(_Bytes):
        value = b"two"

    # a forced registration drops the old class's shared clients
    assert FileClient("ex") is not first and FileClient("ex").get("x") == b"two"
    assert FileClient(prefix="ex_prefix").get("x") == b"two"
    with pytest.raises(KeyError, match="ex_prefix is already registered"):
        FileClient.register_backend("other", _Bytes, prefixes="ex_prefix")
    # a named backend wins over the prefix
    assert FileClient("disk", prefix="ex_prefix").name == "HardDiskBackend"


def test_load_dump_through_file_client_args(tmp_path: Path) -> None:
    path = str(tmp_path / "a.json")
    with pytest.warns(DeprecationWarning):
        fileio.dump([1], path, file_client_args={"backend": "disk"})
    with pytest.warns(DeprecationWarning):
        assert fileio.list_from_file(path, file_client_args={"backend": "disk"}) == ["[1]"]
