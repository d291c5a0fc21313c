"""load/dump with the json, yaml and pickle handlers, and user-registered formats."""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pytest

from mmlight import fileio
from mmlight.fileio.handlers import file_handlers
from mmlight.fileio.handlers.json_handler import set_default

DATA = {"a": [1, 2.5, "x"], "b": {"c": None, "d": True}}


@pytest.mark.parametrize("ext", ["json", "yaml", "yml", "pickle", "pkl"])
def test_round_trip_local_path_and_path_object(tmp_path: Path, ext: str) -> None:
    target = tmp_path / "sub" / f"data.{ext}"
    assert fileio.dump(DATA, target) is None  # creates "sub", returns None for a file
    assert fileio.load(target) == DATA
    assert fileio.load(str(target)) == DATA


@pytest.mark.parametrize("ext", ["json", "yaml", "pkl"])
def test_round_trip_memory_url(mem_root: str, ext: str) -> None:
    url = f"{mem_root}/d/data.{ext}"
    fileio.dump(DATA, url)
    assert fileio.exists(url)
    assert fileio.load(url) == DATA


def test_file_objects_need_a_format() -> None:
    text = io.StringIO()
    fileio.dump(DATA, text, file_format="json")
    text.seek(0)
    assert fileio.load(text, file_format="json") == DATA
    data = io.BytesIO()
    fileio.dump(DATA, data, file_format="pickle")
    data.seek(0)
    assert fileio.load(data, file_format="pkl") == DATA
    with pytest.raises(TypeError, match="Unsupported format: None"):
        fileio.load(io.StringIO("{}"))


def test_dump_without_file_returns_the_serialised_form() -> None:
    assert fileio.dump(DATA, file_format="json") == json.dumps(DATA)
    assert fileio.load(io.StringIO(fileio.dump(DATA, file_format="yaml")),
                       file_format="yaml") == DATA
    pickled = fileio.dump(DATA, file_format="pkl")
    assert isinstance(pickled, bytes) and pickle.loads(pickled) == DATA
    assert pickled[:2] == b"\x80\x02"  # protocol 2 by default, as mmengine
    with pytest.raises(ValueError, match="file_format must be specified since file is None"):
        fileio.dump(DATA)


def test_format_errors(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="Unsupported format: txt"):
        fileio.load(tmp_path / "a.txt")
    with pytest.raises(TypeError, match="Unsupported format: txt"):
        fileio.dump(DATA, tmp_path / "a.txt")
    with pytest.raises(TypeError, match='"file" must be a filepath str or a file-object'):
        fileio.load(123, file_format="json")
    with pytest.raises(TypeError, match='"file" must be a filename str or a file-object'):
        fileio.dump(DATA, 123, file_format="json")
    # an explicit format wins over the extension
    fileio.dump(DATA, tmp_path / "a.txt", file_format="json")
    assert fileio.load(tmp_path / "a.txt", file_format="json") == DATA


def test_kwargs_reach_the_handler() -> None:
    assert fileio.dump({"b": 1, "a": 2}, file_format="json", sort_keys=True) == '{"a": 2, "b": 1}'
    assert fileio.dump([1], file_format="yaml", default_flow_style=True) == "[1]\n"


def test_json_set_default_numpy_sets_ranges() -> None:
    obj = {"arr": np.arange(3), "f": np.float32(0.5), "i": np.int64(7), "s": {3},
           "r": range(2)}
    assert json.loads(fileio.dump(obj, file_format="json")) == {
        "arr": [0, 1, 2], "f": 0.5, "i": 7, "s": [3], "r": [0, 1]}
    with pytest.raises(TypeError, match="is unsupported for json dump"):
        set_default(object())
    with pytest.raises(TypeError, match="unsupported for json dump"):
        fileio.dump({"x": object()}, file_format="json")


def test_file_client_args_are_deprecated_and_exclusive(tmp_path: Path) -> None:
    target = str(tmp_path / "a.json")
    with pytest.warns(DeprecationWarning, match='"file_client_args" will be deprecated'):
        fileio.dump(DATA, target, file_client_args={"backend": "disk"})
    with pytest.warns(DeprecationWarning):
        assert fileio.load(target, file_client_args={"backend": "disk"}) == DATA
    with pytest.raises(ValueError, match="cannot be set at the same time"), \
            pytest.warns(DeprecationWarning):
        fileio.load(target, file_client_args={}, backend_args={})


def test_backend_args_pick_the_backend(tmp_path: Path) -> None:
    target = str(tmp_path / "a.yaml")
    fileio.dump(DATA, target, backend_args={"backend": "local"})
    assert fileio.load(target, backend_args={"backend": "local"}) == DATA


class _TxtHandler(fileio.BaseFileHandler):
    def __init__(self, upper: bool = False) -> None:
        self.upper = upper

    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        return file.read()

    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        file.write(self.dump_to_str(obj))

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        return str(obj).upper() if self.upper else str(obj)


@pytest.fixture
def restore_handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for ext in ("txt1", "txt2", "txt3", "txt4"):
        monkeypatch.delitem(file_handlers, ext, raising=False)
    snapshot = dict(file_handlers)
    yield
    file_handlers.clear()
    file_handlers.update(snapshot)


@pytest.mark.usefixtures("restore_handlers")
def test_register_handler_decorator_and_call_forms(tmp_path: Path) -> None:
    decorated = fileio.register_handler("txt1")(_TxtHandler)
    assert decorated is _TxtHandler
    fileio.register_handler(["txt2", "txt3"], upper=True)(_TxtHandler)

    @fileio.register_handler("txt4")
    class Plain(_TxtHandler):
        pass

    assert isinstance(file_handlers["txt4"], Plain)
    fileio.dump("hi", tmp_path / "a.txt2")
    assert (tmp_path / "a.txt2").read_text() == "HI"
    assert fileio.load(tmp_path / "a.txt2") == "HI"
    assert fileio.dump("hi", file_format="txt1") == "hi"
    assert file_handlers["txt2"] is file_handlers["txt3"]


@pytest.mark.usefixtures("restore_handlers")
def test_register_handler_errors() -> None:
    with pytest.raises(TypeError, match="handler must be a child of BaseFileHandler"):
        fileio.register_handler("txt1")(dict)
    with pytest.raises(TypeError, match="file_formats must be a str or a list of str"):
        fileio.register_handler(["txt1", 3])(_TxtHandler)  # type: ignore[list-item]


def test_handlers_read_and_write_paths(tmp_path: Path) -> None:
    for handler, name in ((fileio.JsonHandler(), "a.json"), (fileio.YamlHandler(), "a.yaml"),
                          (fileio.PickleHandler(), "a.pkl")):
        path = str(tmp_path / name)
        handler.dump_to_path(DATA, path)
        assert handler.load_from_path(path) == DATA
    assert fileio.PickleHandler.str_like is False and fileio.JsonHandler.str_like is True


@pytest.mark.parametrize("ext", ["json", "pkl"])
def test_round_trip_through_petrel(fake_petrel: Any, ext: str) -> None:
    fileio.dump(DATA, f"s3://bucket/a.{ext}")  # petrel_client importable: s3:// is petrel's
    assert list(fake_petrel.store) == [f"s3://bucket/a.{ext}"]
    assert fileio.load(f"petrel://bucket/a.{ext}") == DATA
