"""Storage backends: registration, selection by prefix/name, and each backend's behaviour."""

from __future__ import annotations

import http.server
import os
import os.path as osp
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from shutil import SameFileError
from typing import Any

import pytest

from mmlight import fileio
from mmlight.fileio import io as fio
from mmlight.fileio.backends import (
    BaseStorageBackend,
    FsspecBackend,
    HTTPBackend,
    LmdbBackend,
    LocalBackend,
    MemcachedBackend,
    PetrelBackend,
    backends,
    prefix_to_backends,
)


class _Echo(BaseStorageBackend):
    def get(self, filepath: Any) -> Any:
        return filepath

    def get_text(self, filepath: Any) -> Any:
        return filepath


@pytest.fixture
def restore_registry() -> Iterator[None]:
    saved = dict(backends), dict(prefix_to_backends)
    yield
    backends.clear()
    backends.update(saved[0])
    prefix_to_backends.clear()
    prefix_to_backends.update(saved[1])


# -- registry ----------------------------------------------------------------------------
@pytest.mark.usefixtures("restore_registry")
def test_register_backend_forms_and_errors() -> None:
    @fileio.register_backend("echo_a")
    class A(_Echo):
        pass

    assert backends["echo_a"] is A
    assert fileio.register_backend("echo_b", _Echo, prefixes=["echo", "echo2"]) is None
    assert prefix_to_backends["echo"] is prefix_to_backends["echo2"] is _Echo
    assert fileio.get("echo://x/y") == "echo://x/y"
    with pytest.raises(TypeError, match="the backend name should be a string"):
        fileio.register_backend(1, _Echo)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="backend should be a class"):
        fileio.register_backend("x", lambda: None)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="not a subclass of BaseStorageBackend"):
        fileio.register_backend("x", dict)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="echo_a is already registered as a storage backend"):
        fileio.register_backend("echo_a", _Echo)
    with pytest.raises(ValueError, match=r'echo is already registered.*"force=True"'):
        fileio.register_backend("echo_c", _Echo, prefixes="echo")
    with pytest.raises(AssertionError):
        fileio.register_backend("echo_d", _Echo, prefixes=1)  # type: ignore[call-overload]
    fileio.register_backend("echo_a", _Echo, force=True, prefixes="echo")
    assert backends["echo_a"] is _Echo


# -- selection ---------------------------------------------------------------------------
def test_parse_uri_prefix() -> None:
    assert fio._parse_uri_prefix("/a/b") == ""
    assert fio._parse_uri_prefix(Path("a")) == ""
    assert fio._parse_uri_prefix("https://h/x.png") == "https"
    assert fio._parse_uri_prefix("clusterName:s3://bucket/x") == "s3"
    assert fio._parse_uri_prefix("simplecache::s3://bucket/x") == "simplecache::s3"
    with pytest.raises(AssertionError):
        fio._parse_uri_prefix(None)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        fio._parse_uri_prefix([])  # type: ignore[arg-type]


def test_get_file_backend_by_prefix_and_name(fake_petrel: type) -> None:
    with pytest.raises(ValueError, match='uri should not be None when "backend" does not'):
        fileio.get_file_backend(None)
    assert type(fileio.get_file_backend("/a")) is LocalBackend
    assert type(fileio.get_file_backend(Path("a"))) is LocalBackend
    assert type(fileio.get_file_backend("http://h/a")) is HTTPBackend
    assert type(fileio.get_file_backend("https://h/a")) is HTTPBackend
    assert type(fileio.get_file_backend("petrel://b/a")) is PetrelBackend
    assert type(fileio.get_file_backend("s3://b/a")) is PetrelBackend  # petrel installed
    assert type(fileio.get_file_backend("memory://a")) is FsspecBackend
    assert type(fileio.get_file_backend("file:///a")) is FsspecBackend
    args = {"backend": "petrel", "enable_mc": False}
    backend = fileio.get_file_backend(backend_args=args)
    assert type(backend) is PetrelBackend and backend._client.enable_mc is False
    assert args == {"backend": "petrel", "enable_mc": False}  # not modified
    # a named backend wins over the prefix
    assert type(fileio.get_file_backend("/a", backend_args={"backend": "http"})) is HTTPBackend
    assert type(fileio.get_file_backend("/a", backend_args={"backend": "fsspec"})) is \
        FsspecBackend


def test_s3_without_petrel_client_goes_to_fsspec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "petrel_client", None)
    assert type(fileio.get_file_backend("s3://bucket/key")) is FsspecBackend
    # petrel:// has no fsspec filesystem: the petrel backend itself says what is missing
    with pytest.raises(ImportError, match="Please install petrel_client to enable PetrelBackend"):
        fileio.get_file_backend("petrel://bucket/key")
    with pytest.raises(ImportError, match="Please install petrel_client"):
        fileio.get_file_backend(backend_args={"backend": "petrel"})


def test_singleton_cache() -> None:
    first = fileio.get_file_backend("/a", enable_singleton=True)
    assert fio.backend_instances == {":{}": first}
    assert fileio.get_file_backend("/b", enable_singleton=True) is first
    assert fileio.get_file_backend("/b") is not first
    other = fileio.get_file_backend("memory://x", backend_args={"skip_instance_cache": False},
                                    enable_singleton=True)
    assert fio.backend_instances['memory:{"skip_instance_cache": false}'] is other
    # arguments JSON cannot spell are used, just not cached
    unspellable = fileio.get_file_backend("memory://x", backend_args={"o": object()},
                                          enable_singleton=True)
    assert type(unspellable) is FsspecBackend
    assert len(fio.backend_instances) == 2


def test_base_backend_is_abstract() -> None:
    with pytest.raises(TypeError):
        BaseStorageBackend()  # type: ignore[abstract]
    assert _Echo().name == "_Echo"
    assert LocalBackend().allow_symlink is True
    assert FsspecBackend().allow_symlink is False


# -- install hints -----------------------------------------------------------------------
def test_install_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("lmdb", "mc", "petrel_client"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match='Please run "pip install lmdb" to enable LmdbBackend'):
        LmdbBackend("/db")
    with pytest.raises(ImportError, match="Please install memcached to enable MemcachedBackend"):
        MemcachedBackend("servers.cfg", "client.cfg")
    with pytest.raises(ImportError, match=r"Please install petrel_client.*pip install s3fs"):
        PetrelBackend()
    with pytest.raises(ImportError, match="pip install lmdb"):
        fileio.get(b"key".decode(), backend_args={"backend": "lmdb", "db_path": "/db"})


def test_lmdb_backend_reads_keys(tmp_path: Path) -> None:
    lmdb = pytest.importorskip("lmdb")
    env = lmdb.open(str(tmp_path / "db"), map_size=1 << 20)
    with env.begin(write=True) as txn:
        txn.put(b"img/1.png", b"\x89PNG")
    env.close()
    backend = fileio.get_file_backend(backend_args={"backend": "lmdb",
                                                    "db_path": tmp_path / "db"})
    assert backend.get("img/1.png") == b"\x89PNG"
    assert backend.get(Path("img/missing")) is None
    with pytest.raises(NotImplementedError):
        backend.get_text("img/1.png")


def test_memcached_backend_with_fake_client(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    (tmp_path / "mc.py").write_text(
        "class _C:\n"
        "    def Get(self, key, buf):\n"
        "        buf[:] = [key.encode()]\n"
        "class MemcachedClient:\n"
        "    @staticmethod\n"
        "    def GetInstance(servers, client):\n"
        "        return _C()\n"
        "def pyvector():\n"
        "    return []\n"
        "def ConvertBuffer(buf):\n"
        "    return buf[0]\n"
    )
    monkeypatch.delitem(sys.modules, "mc", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    backend = MemcachedBackend("servers.cfg", "client.cfg", sys_path=str(tmp_path))
    assert backend.get(Path("a/b")) == b"a/b"
    with pytest.raises(NotImplementedError):
        backend.get_text("a/b")
    monkeypatch.delitem(sys.modules, "mc", raising=False)


# -- local and fsspec backends run the same operations ---------------------------------------
@pytest.fixture(params=["local", "memory"])
def root(request: pytest.FixtureRequest, tmp_path: Path, mem_root: str) -> str:
    return str(tmp_path) if request.param == "local" else mem_root


def _tree(root: str) -> None:
    for name, text in (("text1.txt", "1"), ("text2.txt", "2"), ("dir1/text3.txt", "3"),
                       ("dir2/img.jpg", "i"), ("dir2/dir3/text4.txt", "4")):
        fileio.put_text(text, fileio.join_path(root, *name.split("/")))


def _rel(paths: Iterable[str]) -> set[str]:
    return {p.replace(os.sep, "/") for p in paths}


def test_list_dir_or_file(root: str) -> None:
    _tree(root)
    assert set(fileio.list_dir_or_file(root)) == {"dir1", "dir2", "text1.txt", "text2.txt"}
    assert _rel(fileio.list_dir_or_file(root, recursive=True)) == {
        "dir1", "dir1/text3.txt", "dir2", "dir2/dir3", "dir2/dir3/text4.txt", "dir2/img.jpg",
        "text1.txt", "text2.txt"}
    assert _rel(fileio.list_dir_or_file(root, list_file=False, recursive=True)) == {
        "dir1", "dir2", "dir2/dir3"}
    assert _rel(fileio.list_dir_or_file(root, list_dir=False, suffix=(".jpg", ".txt"),
                                        recursive=True)) == {
        "dir1/text3.txt", "dir2/dir3/text4.txt", "dir2/img.jpg", "text1.txt", "text2.txt"}
    with pytest.raises(TypeError, match="`suffix` should be None when `list_dir` is True"):
        list(fileio.list_dir_or_file(root, list_file=False, suffix=".txt"))
    with pytest.raises(TypeError, match="`suffix` must be a string or tuple of strings"):
        list(fileio.list_dir_or_file(root, list_dir=False, suffix=[".txt"]))  # type: ignore[arg-type]
    backend = fileio.get_file_backend(root)
    with pytest.raises(TypeError, match="`suffix` should be None"):
        backend.list_dir_or_file(root, suffix=".txt")  # raised at the call, not iteration


def test_copy_functions(root: str, tmp_path: Path) -> None:
    _tree(root)
    src = fileio.join_path(root, "text1.txt")
    dst = fileio.join_path(root, "copy.txt")
    assert fileio.copyfile(src, dst) == dst
    assert fileio.get_text(dst) == "1"
    assert fileio.copyfile(src, fileio.join_path(root, "dir1")) == \
        fileio.join_path(root, "dir1", "text1.txt")
    with pytest.raises(SameFileError):
        fileio.copyfile(src, src)
    tree = fileio.join_path(root, "dir100")
    assert fileio.copytree(fileio.join_path(root, "dir2"), tree) == tree
    assert fileio.get_text(fileio.join_path(tree, "dir3", "text4.txt")) == "4"
    with pytest.raises(FileExistsError):
        fileio.copytree(fileio.join_path(root, "dir1"), fileio.join_path(root, "dir2"))
    # local <-> root
    local = tmp_path / "local_src"
    (local / "sub").mkdir(parents=True)
    (local / "sub" / "f.txt").write_text("L")
    up = fileio.join_path(root, "up.txt")
    assert fileio.copyfile_from_local(local / "sub" / "f.txt", up) in (up, Path(up))
    assert fileio.get_text(up) == "L"
    assert fileio.copytree_from_local(local, fileio.join_path(root, "uptree")) in (
        fileio.join_path(root, "uptree"), Path(fileio.join_path(root, "uptree")))
    assert fileio.get_text(fileio.join_path(root, "uptree", "sub", "f.txt")) == "L"
    down = tmp_path / "down"
    down.mkdir()
    args = None if "://" not in root else {"backend": "fsspec"}
    result = fileio.copyfile_to_local(src, down, backend_args=args)
    assert Path(result) == down / "text1.txt" and (down / "text1.txt").read_text() == "1"
    fileio.copytree_to_local(fileio.join_path(root, "dir2"), tmp_path / "downtree",
                             backend_args=args)
    assert (tmp_path / "downtree" / "dir3" / "text4.txt").read_text() == "4"


def test_remove_rmtree_symlink(root: str) -> None:
    _tree(root)
    path = fileio.join_path(root, "text1.txt")
    fileio.remove(path)
    assert not fileio.exists(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fileio.remove(path)
    with pytest.raises(IsADirectoryError, match="filepath should be a file"):
        fileio.remove(fileio.join_path(root, "dir1"))
    linked = fileio.copy_if_symlink_fails(fileio.join_path(root, "text2.txt"),
                                          fileio.join_path(root, "link.txt"))
    assert linked is ("://" not in root)
    assert fileio.get_text(fileio.join_path(root, "link.txt")) == "2"
    assert fileio.copy_if_symlink_fails(fileio.join_path(root, "dir1"),
                                        fileio.join_path(root, "dirlink")) is linked
    assert fileio.isfile(fileio.join_path(root, "dirlink", "text3.txt"))
    fileio.rmtree(fileio.join_path(root, "dir2"))
    assert not fileio.exists(fileio.join_path(root, "dir2"))


def test_local_copy_if_symlink_fails_copies(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("x")

    def refuse(src: Any, dst: Any) -> None:
        raise OSError("no links here")

    monkeypatch.setattr(os, "symlink", refuse)
    assert fileio.copy_if_symlink_fails(tmp_path / "a.txt", tmp_path / "b.txt") is False
    assert not osp.islink(tmp_path / "b.txt") and (tmp_path / "b.txt").read_text() == "a"
    assert fileio.copy_if_symlink_fails(tmp_path / "d", tmp_path / "e") is False
    assert (tmp_path / "e" / "x").read_text() == "x"


def test_get_local_path(root: str) -> None:
    path = fileio.join_path(root, "w.pth")
    fileio.put(b"abc", path)
    with fileio.get_local_path(path) as local:
        assert Path(local).read_bytes() == b"abc"
        if "://" not in root:
            assert local == path
    if "://" in root:
        assert not osp.exists(local)


def test_put_text_encoding_and_backend_args(root: str) -> None:
    path = fileio.join_path(root, "latin.txt")
    fileio.put_text("é", path, encoding="latin-1")
    assert fileio.get(path) == b"\xe9"
    assert fileio.get_text(path, "latin-1") == "é"
    args = {"backend": "local"} if "://" not in root else {"backend": "fsspec"}
    fileio.put(b"z", fileio.join_path(root, "z.bin"), backend_args=args)
    assert fileio.get(fileio.join_path(root, "z.bin"), backend_args=args) == b"z"
    assert fileio.isfile(fileio.join_path(root, "z.bin"), backend_args=args)


def test_fsspec_join_path_and_presigned_url(mem_root: str) -> None:
    backend = FsspecBackend()
    assert backend.join_path("memory://a/", "b", "/c.pth") == "memory://a/b/c.pth"
    assert backend.join_path("memory://a", "s3://x/y") == "s3://x/y"
    with pytest.raises(NotImplementedError, match="cannot sign URLs"):
        fileio.generate_presigned_url(f"{mem_root}/a")


# -- petrel on a fake client -----------------------------------------------------------------
def test_petrel_backend_operations(fake_petrel: Any, tmp_path: Path) -> None:
    backend = PetrelBackend(path_mapping={"data/": "petrel://bucket/"})
    backend.put_text("hello", "data/a/b.txt")
    assert fake_petrel.store == {"s3://bucket/a/b.txt": b"hello"}
    assert backend.get_text("petrel://bucket/a/b.txt") == "hello"
    assert backend.exists("data/a") and backend.isdir("data/a") and not backend.isfile("data/a")
    assert backend.join_path("s3://bucket/", "a", "/b") == "s3://bucket/a/b"
    assert backend.join_path("s3://bucket\\x", "y") == "s3://bucket/x/y"
    assert backend.copyfile("s3://bucket/a/b.txt", "s3://bucket/c") == "s3://bucket/c"
    with pytest.raises(SameFileError):  # into its own folder: the same file
        backend.copyfile("s3://bucket/a/b.txt", "s3://bucket/a")
    fake_petrel.store.clear()
    backend.put(b"1", "s3://bucket/d/x.txt")
    backend.put(b"2", "s3://bucket/d/e/y.jpg")
    assert sorted(backend.list_dir_or_file("s3://bucket/d", recursive=True)) == [
        "e", "e/y.jpg", "x.txt"]
    assert sorted(backend.list_dir_or_file("s3://bucket/d", list_dir=False,
                                           suffix=".jpg", recursive=True)) == ["e/y.jpg"]
    with pytest.raises(TypeError, match="`list_dir` should be False when `suffix` is not None"):
        backend.list_dir_or_file("s3://bucket/d", suffix=".jpg")
    with pytest.raises(SameFileError):
        backend.copyfile("s3://bucket/d/x.txt", "s3://bucket/d/x.txt")
    assert backend.copytree("s3://bucket/d", "s3://bucket/f") == "s3://bucket/f"
    assert backend.get("s3://bucket/f/e/y.jpg") == b"2"
    with pytest.raises(FileExistsError):
        backend.copytree("s3://bucket/d", "s3://bucket/f")
    backend.copytree_to_local("s3://bucket/d", tmp_path / "out")
    assert (tmp_path / "out" / "e" / "y.jpg").read_bytes() == b"2"
    with backend.get_local_path("s3://bucket/d/x.txt") as local:
        assert Path(local).read_bytes() == b"1"
    assert not osp.exists(local)
    with pytest.raises(IsADirectoryError):
        backend.remove("s3://bucket/d/e")
    backend.rmtree("s3://bucket/d")
    assert not backend.exists("s3://bucket/d")
    with pytest.raises(FileNotFoundError, match=r"filepath s3://bucket/d/x\.txt does not exist"):
        backend.remove("s3://bucket/d/x.txt")
    assert fileio.generate_presigned_url("s3://bucket/v.mp4", expires_in=5) == \
        "s3://bucket/v.mp4?method=get_object&expires=5"


def test_petrel_backend_old_sdk(fake_petrel: Any) -> None:
    backend = PetrelBackend()
    backend._client = object()
    with pytest.raises(NotImplementedError, match="has not supported the `contains` method"):
        backend.isfile("s3://a")
    with pytest.raises(NotImplementedError, match="`list` method"):
        backend.list_dir_or_file("s3://a")


# -- http on a local server ------------------------------------------------------------------
@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "hello.txt").write_text("hi there")
    (tmp_path / "h.json").write_text('{"k": 1}')

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_backend_reads(http_root: str) -> None:
    url = f"{http_root}/hello.txt"
    assert fileio.get(url) == b"hi there"
    assert fileio.get_text(url) == "hi there"
    with fileio.get_local_path(url) as local:
        assert Path(local).read_text() == "hi there"
    assert not osp.exists(local)
    assert fileio.load(f"{http_root}/h.json") == {"k": 1}


def test_petrel_argument_checks(fake_petrel: Any) -> None:
    with pytest.raises(AssertionError, match="path_mapping must be a dict or None"):
        PetrelBackend(path_mapping=3)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="s3://b/nope is not a file"), \
            PetrelBackend().get_local_path("s3://b/nope"):
        pass


def test_presigned_url_through_a_signing_filesystem() -> None:
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem

    calls: list[tuple[str, int, dict]] = []

    class Signing(MemoryFileSystem):
        protocol = "signmem"

        def sign(self, path: str, expiration: int = 100, **kwargs: Any) -> str:
            calls.append((path, expiration, kwargs))
            return f"https://signed/{path}?e={expiration}"

    fsspec.register_implementation("signmem", Signing, clobber=True)
    url = fileio.generate_presigned_url("signmem://b/v.mp4", expires_in=60)
    assert url.startswith("https://signed/") and url.endswith("b/v.mp4?e=60")
    fileio.generate_presigned_url("signmem://b/v.mp4", "put_object")
    assert calls[0][2] == {} and calls[1][2] == {"client_method": "put_object"}


def test_import_stays_light() -> None:
    import subprocess

    code = ("import sys, mmlight.fileio\n"
            "print(','.join(m for m in ('torch', 'fsspec', 'numpy', 'mmengine', 'yaml', "
            "'urllib.request') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"import mmlight.fileio loaded {out}"
