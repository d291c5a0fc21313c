"""Parity with mmengine.fileio: the same calls under both, comparing results, written files
and errors (type and message). mmengine cannot reach ``memory://``, so mmlight's fsspec
backend is compared against mmengine's local backend on a mirrored tree."""

from __future__ import annotations

import functools
import io
import os
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import numpy as np
import pytest

import mmlight.fileio as light

engine: Any = pytest.importorskip("mmengine.fileio")

Outcome = tuple[Any, ...]


def outcome(call: Callable[[], Any]) -> Outcome:
    """What a call did: ('ok', value) or ('error', type name, message)."""
    try:
        value = call()
        if isinstance(value, Iterator):
            value = sorted(value)
        return ("ok", value)
    except Exception as error:
        return ("error", type(error).__name__, str(error))


def both(call: Callable[[ModuleType], Any]) -> tuple[Outcome, Outcome]:
    return outcome(lambda: call(engine)), outcome(lambda: call(light))


def assert_same(call: Callable[[ModuleType], Any]) -> Outcome:
    theirs, ours = both(call)
    if theirs == ("error", "AssertionError", ""):  # a bare assert; mmlight says what is wrong
        assert ours[:2] == theirs[:2] and ours[2]
    else:
        assert ours == theirs
    return ours


@pytest.fixture(autouse=True)
def _fresh_mmengine_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.io, "backend_instances", {})


OBJECTS = [
    {"a": [1, 2.5, "x", None, True], "b": {"c": (1, 2)}},
    {"arr": np.arange(4).reshape(2, 2), "f": np.float64(1.5), "i": np.int32(3), "s": {7},
     "r": range(3)},
    ["ünïcode", 1e-9, -0.0],
]


# -- load / dump ---------------------------------------------------------------------------
@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("fmt", ["json", "yaml", "yml", "pickle", "pkl"])
def test_dump_to_str(obj: Any, fmt: str) -> None:
    if fmt in ("yaml", "yml") and isinstance(obj, dict) and "arr" in obj:
        obj = {k: v for k, v in obj.items() if k in ("s",)}  # numpy objects are yaml tags
    assert_same(lambda lib: lib.dump(obj, file_format=fmt))


@pytest.mark.parametrize("kwargs", [{"indent": 2}, {"sort_keys": True}, {"separators": (",", ":")}])
def test_dump_json_kwargs(kwargs: dict) -> None:
    assert_same(lambda lib: lib.dump({"b": [1, {2}], "a": 1}, file_format="json", **kwargs))


@pytest.mark.parametrize("ext", ["json", "yaml", "pkl"])
def test_dump_files_match_and_load_each_other(tmp_path: Path, ext: str) -> None:
    obj = OBJECTS[0] if ext != "json" else {"k": [1, {2}, np.float32(0.5)]}
    theirs, ours = tmp_path / "engine" / f"a.{ext}", tmp_path / "light" / f"a.{ext}"
    assert engine.dump(obj, theirs) == light.dump(obj, ours) is None
    assert ours.read_bytes() == theirs.read_bytes()
    assert light.load(theirs) == engine.load(ours) == engine.load(theirs)
    assert light.load(str(theirs)) == engine.load(str(ours))
    # file objects
    mode = "rb" if ext == "pkl" else "r"
    with open(theirs, mode) as stream:
        ours_from_stream = light.load(stream, file_format=ext)
    assert ours_from_stream == light.load(theirs)


@pytest.mark.parametrize("call", [
    lambda lib: lib.load("a.txt"),
    lambda lib: lib.load(Path("a")),
    lambda lib: lib.load(io.StringIO("{}")),
    lambda lib: lib.load(3, file_format="json"),
    lambda lib: lib.dump({}),
    lambda lib: lib.dump({}, "a.txt"),
    lambda lib: lib.dump({}, 3, file_format="json"),
    lambda lib: lib.dump({"x": object()}, file_format="json"),
    lambda lib: lib.dump({}, file_format="json", file_client_args={}, backend_args={}),
    lambda lib: lib.load("a.json", file_client_args={}, backend_args={}),
    lambda lib: lib.load("/no/such/file.json"),
    lambda lib: lib.get_file_backend(None),
], ids=lambda _: "")
def test_errors(call: Callable[[ModuleType], Any]) -> None:
    theirs, ours = both(call)
    if theirs[0] == "error" and "object at 0x" in theirs[2]:
        theirs, ours = theirs[:2], ours[:2]
    # mmengine's load drops a quote ('"file_client_args and "backend_args"'); mmlight
    # spells it as mmengine's dump does
    theirs = tuple(str(v).replace('"file_client_args and', '"file_client_args" and')
                   for v in theirs)
    assert theirs[0] == "error" and tuple(map(str, ours)) == theirs


def test_load_dump_file_objects() -> None:
    def round_trip(lib: ModuleType, fmt: str) -> Any:
        stream: io.BytesIO | io.StringIO = io.BytesIO() if fmt == "pkl" else io.StringIO()
        lib.dump(OBJECTS[0], stream, file_format=fmt)
        stream.seek(0)
        return stream.getvalue(), lib.load(stream, file_format=fmt)

    for fmt in ("json", "yaml", "pkl"):
        assert_same(lambda lib, fmt=fmt: round_trip(lib, fmt))  # type: ignore[misc]


def test_register_handler_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    for lib in (engine, light):
        handlers = lib.handlers.file_handlers
        monkeypatch.setattr(lib.handlers.registry_utils if lib is engine
                            else lib.handlers.registry, "file_handlers", handlers)
        for ext in ("par1", "par2"):
            monkeypatch.delitem(handlers, ext, raising=False)

    def register(lib: ModuleType) -> Any:
        class Txt(lib.BaseFileHandler):  # type: ignore[name-defined]
            def __init__(self, tag: str = "") -> None:
                self.tag = tag

            def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
                return file.read()

            def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
                file.write(self.dump_to_str(obj))

            def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
                return self.tag + str(obj)

        returned = lib.register_handler(["par1", "par2"], tag="#")(Txt)
        return returned is Txt, lib.dump(5, file_format="par2")

    assert_same(register)
    assert_same(lambda lib: lib.register_handler("par1")(dict))
    assert_same(lambda lib: lib.register_handler(["par1", 2])(lib.JsonHandler))
    for lib in (engine, light):
        for ext in ("par1", "par2"):
            lib.handlers.file_handlers.pop(ext, None)


# -- the path functions on mirrored local trees ------------------------------------------------
def _tree(root: Path) -> Path:
    for name, text in (("text1.txt", "1"), ("text2.txt", "2"), ("dir1/text3.txt", "3"),
                       ("dir2/img.jpg", "i"), ("dir2/dir3/text4.txt", "4"),
                       (".hidden.txt", "h"), (".hdir/x.txt", "x")):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def roots(tmp_path: Path) -> dict[Any, Path]:
    """The same tree twice: one for each library to change."""
    return {engine: _tree(tmp_path / "e"), light: _tree(tmp_path / "l")}


def same_relative(roots: dict[Any, Path], call: Callable[[ModuleType, Path], Any]) -> Outcome:
    """Run ``call(lib, root)`` under both libraries; root paths in results become '<root>'."""

    def norm(value: Any, root: Path) -> Any:
        if isinstance(value, (str, Path)):
            return str(value).replace(str(root), "<root>")
        if isinstance(value, (list, tuple)):
            return type(value)(norm(v, root) for v in value)
        return value

    results = []
    for lib in (engine, light):
        got = outcome(functools.partial(call, lib, roots[lib]))
        results.append(tuple(norm(v, roots[lib]) for v in got))
    assert results[1] == results[0]
    return results[1]


LIST_ARGS: list[dict[str, Any]] = [
    {}, {"recursive": True}, {"list_file": False}, {"list_file": False, "recursive": True},
    {"list_dir": False}, {"list_dir": False, "recursive": True},
    {"list_dir": False, "suffix": ".txt"}, {"list_dir": False, "suffix": (".jpg", ".txt"),
                                           "recursive": True},
    {"list_file": False, "suffix": ".txt"}, {"list_dir": False, "suffix": [".txt"]},
]


@pytest.mark.parametrize("kwargs", LIST_ARGS)
def test_list_dir_or_file(roots: dict[Any, Path], kwargs: dict) -> None:
    same_relative(roots, lambda lib, root: lib.list_dir_or_file(root, **kwargs))
    same_relative(roots, lambda lib, root: lib.list_dir_or_file(str(root), **kwargs))


def test_read_write_and_checks(roots: dict[Any, Path]) -> None:
    for call in (
        lambda lib, root: lib.get(root / "text1.txt"),
        lambda lib, root: lib.get_text(str(root / "dir1" / "text3.txt")),
        lambda lib, root: (lib.put(b"\x00", root / "new" / "n.bin"), lib.get(root / "new/n.bin")),
        lambda lib, root: (lib.put_text("é", root / "t.txt"), lib.get(root / "t.txt")),
        lambda lib, root: [f(p) for f in (lib.exists, lib.isdir, lib.isfile)
                           for p in (root, root / "text1.txt", root / "nope")],
        lambda lib, root: lib.join_path(root, "a", "b"),
        lambda lib, root: lib.join_path(str(root), "/abs", "b"),
        lambda lib, root: lib.get(root / "nope"),
        lambda lib, root: lib.get_text(root / "dir1"),
    ):
        same_relative(roots, call)


def test_get_local_path(roots: dict[Any, Path]) -> None:
    def local(lib: ModuleType, root: Path) -> Any:
        with lib.get_local_path(root / "text1.txt") as path:
            return type(path).__name__, str(path), Path(path).read_text()

    same_relative(roots, local)


def test_copies_removes_and_links(roots: dict[Any, Path]) -> None:
    (roots[engine] / "empty").mkdir()
    (roots[light] / "empty").mkdir()
    for call in (
        lambda lib, root: lib.copyfile(root / "text1.txt", root / "c.txt"),
        lambda lib, root: lib.copyfile(str(root / "text1.txt"), str(root / "dir1")),
        lambda lib, root: lib.copyfile(root / "text1.txt", root / "text1.txt"),
        lambda lib, root: lib.copyfile(root / "nope", root / "x"),
        lambda lib, root: lib.copytree(root / "dir2", root / "dir100"),
        lambda lib, root: lib.list_dir_or_file(root / "dir100", recursive=True),
        lambda lib, root: lib.copytree(root / "dir1", root / "dir2"),
        lambda lib, root: lib.copyfile_from_local(root / "text2.txt", root / "empty"),
        lambda lib, root: lib.copyfile_to_local(str(root / "text2.txt"), str(root / "c2.txt")),
        lambda lib, root: lib.copytree_from_local(root / "dir1", root / "dir101"),
        lambda lib, root: lib.copytree_to_local(root / "dir1", root / "dir102"),
        lambda lib, root: lib.copy_if_symlink_fails(root / "text2.txt", root / "lnk.txt"),
        lambda lib, root: (os.path.islink(root / "lnk.txt"), lib.get_text(root / "lnk.txt")),
        lambda lib, root: lib.copy_if_symlink_fails(root / "dir1", root / "lnkdir"),
        lambda lib, root: lib.remove(root / "text2.txt"),
        lambda lib, root: lib.remove(root / "text2.txt"),
        lambda lib, root: lib.remove(str(root / "dir1")),
        lambda lib, root: lib.rmtree(root / "dir2"),
        lambda lib, root: lib.rmtree(root / "dir2"),
        lambda lib, root: lib.list_dir_or_file(root, recursive=True),
    ):
        same_relative(roots, call)


# -- mmlight's fsspec backend against mmengine's local backend --------------------------------
def test_memory_urls_behave_like_mmengine_local_paths(tmp_path: Path, mem_root: str) -> None:
    local = _tree(tmp_path / "e")
    mem = mem_root
    for path in local.rglob("*"):
        if path.is_file():
            light.put(path.read_bytes(), f"{mem}/{path.relative_to(local).as_posix()}")

    def pair(engine_call: Callable[[str], Any], light_call: Callable[[str], Any]) -> None:
        theirs = outcome(lambda: engine_call(str(local)))
        ours = outcome(lambda: light_call(mem))
        norm_theirs = tuple(str(v).replace(str(local), "<root>").replace(os.sep, "/")
                            if isinstance(v, str) else v for v in theirs)
        norm_ours = tuple(v.replace(mem, "<root>") if isinstance(v, str) else v for v in ours)
        assert norm_ours == norm_theirs

    def same(call: Callable[[Any, str], Any]) -> None:
        pair(lambda root: call(engine, root), lambda root: call(light, root))

    for kwargs in LIST_ARGS:
        same(functools.partial(_listed, kwargs=kwargs))
    for call in (
        lambda lib, root: lib.get(lib.join_path(root, "dir1", "text3.txt")),
        lambda lib, root: [f(lib.join_path(root, p)) for f in (lib.exists, lib.isdir, lib.isfile)
                           for p in ("dir1", "text1.txt", "nope")],
        lambda lib, root: lib.copyfile(lib.join_path(root, "text1.txt"),
                                       lib.join_path(root, "c.txt")),
        lambda lib, root: lib.copyfile(lib.join_path(root, "text1.txt"),
                                       lib.join_path(root, "dir1")),
        lambda lib, root: lib.copyfile(lib.join_path(root, "c.txt"),
                                       lib.join_path(root, "c.txt")),
        lambda lib, root: lib.copytree(lib.join_path(root, "dir2"),
                                       lib.join_path(root, "dir100")),
        lambda lib, root: lib.copytree(lib.join_path(root, "dir1"),
                                       lib.join_path(root, "dir2")),
        lambda lib, root: lib.get_text(lib.join_path(root, "dir100", "dir3", "text4.txt")),
        lambda lib, root: lib.remove(lib.join_path(root, "text2.txt")),
        lambda lib, root: lib.remove(lib.join_path(root, "text2.txt")),
        lambda lib, root: lib.remove(lib.join_path(root, "dir1")),
        lambda lib, root: lib.rmtree(lib.join_path(root, "dir2")),
        lambda lib, root: sorted(p.replace(os.sep, "/") for p in
                                 lib.list_dir_or_file(root, recursive=True)),
        lambda lib, root: lib.list_from_file(lib.join_path(root, "text1.txt"), prefix="p"),
        lambda lib, root: (lib.dump({"a": 1}, lib.join_path(root, "d", "x.json")),
                           lib.load(lib.join_path(root, "d", "x.json")),
                           lib.get_text(lib.join_path(root, "d", "x.json"))),
    ):
        same(call)


def _listed(lib: Any, root: str, kwargs: dict) -> list[str]:
    return sorted(p.replace(os.sep, "/") for p in lib.list_dir_or_file(root, **kwargs))


# -- parse -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"prefix": "p/"}, {"offset": 2}, {"max_num": 2},
                                    {"offset": 1, "max_num": 2, "prefix": "x"},
                                    {"offset": 10}, {"encoding": "latin-1"}])
def test_list_from_file(tmp_path: Path, kwargs: dict) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"1.jpg\r\n2.jpg\n\n3 jpg\n4.jpg")
    assert_same(lambda lib: lib.list_from_file(path, **kwargs))
    assert_same(lambda lib: lib.list_from_file(str(path), backend_args={"backend": "local"},
                                               **kwargs))


@pytest.mark.parametrize("text", ["1 cat\n2 dog cow\n3 panda\n", "a b\r\n", "lonely\n"])
def test_dict_from_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "map.txt"
    path.write_text(text)
    theirs, ours = both(lambda lib: lib.dict_from_file(path))
    assert ours[:2] == theirs[:2]  # mmlight's AssertionError says which line
    if theirs[0] == "ok":
        assert ours == theirs
        assert_same(lambda lib: lib.dict_from_file(str(path), key_type=str.upper))


# -- backend selection and registration -------------------------------------------------------
@pytest.mark.parametrize("uri", ["/a/b", "a", "http://h/a", "https://h/a", "petrel://b/a",
                                 "s3://b/a", "cluster:s3://b/a"])
def test_get_file_backend_classes(fake_petrel: type, uri: str) -> None:
    assert_same(lambda lib: type(lib.get_file_backend(uri)).__name__)
    assert_same(lambda lib: type(lib.get_file_backend(Path(uri) if "://" not in uri else uri,
                                                      enable_singleton=True)).__name__)
    assert list(light.io.backend_instances) == list(engine.io.backend_instances)


@pytest.mark.parametrize("args", [{"backend": "local"}, {"backend": "http"},
                                  {"backend": "petrel", "enable_mc": False},
                                  {"backend": "nope"}, {"backend": "lmdb"}])
def test_get_file_backend_by_name(fake_petrel: type, args: dict) -> None:
    assert_same(lambda lib: type(lib.get_file_backend(backend_args=args)).__name__)
    assert_same(lambda lib: type(lib.get_file_backend("s3://x", backend_args=args,
                                                      enable_singleton=True)).__name__)
    assert list(light.io.backend_instances) == list(engine.io.backend_instances)


def test_register_backend_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    for lib in (engine, light):
        monkeypatch.setattr(lib.backends, "backends", lib.backends.backends)

    def make(lib: ModuleType) -> type:
        class Echo(lib.BaseStorageBackend):  # type: ignore[name-defined]
            def get(self, filepath: Any) -> Any:
                return filepath

            def get_text(self, filepath: Any) -> Any:
                return filepath

        return Echo

    classes = {engine: make(engine), light: make(light)}
    saved = {lib: (dict(lib.backends.backends), dict(lib.backends.prefix_to_backends))
             for lib in classes}
    try:
        for call in (
            lambda lib: lib.register_backend(1, classes[lib]),
            lambda lib: lib.register_backend("parity", 3),
            lambda lib: lib.register_backend("parity", dict),
            lambda lib: lib.register_backend("parity", classes[lib], prefixes="parity"),
            lambda lib: lib.get("parity://x"),
            lambda lib: lib.register_backend("parity", classes[lib]),
            lambda lib: lib.register_backend("parity2", classes[lib], prefixes=["parity"]),
            lambda lib: lib.register_backend("parity3", classes[lib], prefixes=3),
            lambda lib: lib.register_backend("parity", force=True, prefixes="parity")(
                classes[lib]).__name__,
            lambda lib: lib.register_backend("local", classes[lib]),
        ):
            assert_same(call)
    finally:
        for lib, (names, prefixes) in saved.items():
            lib.backends.backends.clear()
            lib.backends.backends.update(names)
            lib.backends.prefix_to_backends.clear()
            lib.backends.prefix_to_backends.update(prefixes)


def test_install_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("lmdb", "mc", "petrel_client"):
        monkeypatch.setitem(__import__("sys").modules, name, None)
    for call in (lambda lib: lib.LmdbBackend("/db"),
                 lambda lib: lib.MemcachedBackend("a", "b"),
                 lambda lib: lib.PetrelBackend()):
        theirs, ours = both(call)
        assert ours[:2] == theirs[:2] == ("error", "ImportError")
        assert ours[2].startswith(theirs[2])  # mmlight adds where to get it


# -- petrel, both on the same fake client ------------------------------------------------------
def test_petrel_backends(fake_petrel: Any, tmp_path: Path) -> None:
    store = fake_petrel.store
    for bucket in ("e", "l"):
        for key, value in (("d/x.txt", b"1"), ("d/e/y.jpg", b"2"), ("d/e/z.txt", b"3"),
                           ("top.txt", b"t")):
            store[f"s3://{bucket}/{key}"] = value
    backends = {engine: engine.PetrelBackend(path_mapping={"data:": "petrel://e/"}),
                light: light.PetrelBackend(path_mapping={"data:": "petrel://l/"})}
    (tmp_path / "e").mkdir()
    (tmp_path / "l").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f.txt").write_text("F")

    def same(call: Callable[[Any, str, Path], Any]) -> None:
        results = []
        for lib, bucket in ((engine, "e"), (light, "l")):
            got = outcome(functools.partial(call, backends[lib], bucket, tmp_path / bucket))
            results.append(repr(got).replace(f"//{bucket}/", "//B/")
                           .replace(str(tmp_path / bucket), "<tmp>"))
        assert results[1] == results[0]

    for call in (
        lambda b, k, t: b.get(f"s3://{k}/d/x.txt"),
        lambda b, k, t: b.get_text("data:top.txt"),
        lambda b, k, t: [b.exists(f"s3://{k}/{p}") for p in ("d", "d/x.txt", "nope")],
        lambda b, k, t: [b.isdir(f"petrel://{k}/{p}") for p in ("d", "d/x.txt")],
        lambda b, k, t: [b.isfile(f"s3://{k}/{p}") for p in ("d", "d/x.txt")],
        lambda b, k, t: b.join_path(f"s3://{k}/", "a\\b", "/c"),
        lambda b, k, t: sorted(b.list_dir_or_file(f"s3://{k}/d")),
        lambda b, k, t: sorted(b.list_dir_or_file(f"s3://{k}/d/", recursive=True)),
        lambda b, k, t: sorted(b.list_dir_or_file(f"s3://{k}/d", list_dir=False,
                                                  suffix=".txt", recursive=True)),
        lambda b, k, t: b.list_dir_or_file(f"s3://{k}/d", suffix=".txt"),
        lambda b, k, t: b.list_dir_or_file(f"s3://{k}/d", list_dir=False, suffix=1),
        lambda b, k, t: b.copyfile(f"s3://{k}/d/x.txt", f"s3://{k}/d/e"),
        lambda b, k, t: b.copyfile(f"s3://{k}/d/x.txt", f"s3://{k}/d/x.txt"),
        lambda b, k, t: b.copytree(f"s3://{k}/d", f"s3://{k}/n"),
        lambda b, k, t: b.copytree(f"s3://{k}/d", f"s3://{k}/n"),
        lambda b, k, t: b.copyfile_from_local(tmp_path / "src" / "f.txt", f"s3://{k}/n"),
        lambda b, k, t: b.copytree_from_local(tmp_path / "src", f"s3://{k}/m"),
        lambda b, k, t: b.copyfile_to_local(f"s3://{k}/top.txt", t),
        lambda b, k, t: b.copytree_to_local(f"s3://{k}/d", t / "tree"),
        lambda b, k, t: sorted(str(p.relative_to(t)) for p in t.rglob("*")),
        lambda b, k, t: b.copy_if_symlink_fails(f"s3://{k}/top.txt", f"s3://{k}/top2.txt"),
        lambda b, k, t: b.remove(f"s3://{k}/d/e"),
        lambda b, k, t: b.remove(f"s3://{k}/top.txt"),
        lambda b, k, t: b.remove(f"s3://{k}/top.txt"),
        lambda b, k, t: b.rmtree(f"s3://{k}/d"),
        lambda b, k, t: sorted(b.list_dir_or_file(f"s3://{k}", recursive=True)),
        lambda b, k, t: b.generate_presigned_url(f"s3://{k}/v.mp4", "put_object", 60),
    ):
        same(call)
    assert {k.replace("//e/", "//B/") for k in store if "//e/" in k} == \
        {k.replace("//l/", "//B/") for k in store if "//l/" in k}


# -- FileClient --------------------------------------------------------------------------------
def test_file_client(fake_petrel: type, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for lib in (engine, light):
        monkeypatch.setattr(lib.FileClient, "_instances", {})
    path = tmp_path / "a.txt"
    for call in (
        lambda lib: lib.FileClient().name,
        lambda lib: lib.FileClient() is lib.FileClient("disk"),
        lambda lib: lib.FileClient(prefix="s3", enable_mc=False).name,
        lambda lib: sorted(lib.FileClient._instances),
        lambda lib: lib.FileClient("nope"),
        lambda lib: lib.FileClient(prefix="memory"),
        lambda lib: lib.FileClient.parse_uri_prefix("clu:s3://a/b"),
        lambda lib: lib.FileClient.parse_uri_prefix("/a"),
        lambda lib: lib.FileClient.infer_client(uri="https://h/a").name,
        lambda lib: lib.FileClient.infer_client({"backend": "petrel"}, "/x").name,
        lambda lib: (lib.FileClient().put_text("hi", path), lib.FileClient().get_text(path)),
        lambda lib: lib.FileClient().allow_symlink,
    ):
        assert_same(call)


def test_pickle_is_plain_pickle(tmp_path: Path) -> None:
    light.dump({"a": {1, 2}}, tmp_path / "a.pkl")
    with open(tmp_path / "a.pkl", "rb") as stream:
        assert pickle.load(stream) == engine.load(tmp_path / "a.pkl") == {"a": {1, 2}}
