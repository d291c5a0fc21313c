"""CheckpointLoader: scheme registration and matching, every built-in scheme (offline: a
loopback HTTP server, pre-filled caches, stand-in pavi/petrel modules), and the one safe
reader behind all of them."""

from __future__ import annotations

import json
import logging
import os
import sys
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.runner import CheckpointLoader, load_checkpoint
from mmlight.runner.checkpoint import (
    CheckpointNotFoundError,
    CheckpointPrefixError,
    UnsafeCheckpointError,
    _load_checkpoint,
    _load_checkpoint_with_prefix,
    get_external_models,
    get_torchvision_models,
    load_from_http,
)
from mmlight.runner.checkpoint_loader import (
    CheckpointDownloadError,
    SchemeMismatchError,
    SchemeRegistrationError,
    load_from_pavi,
)
from mmlight.runner.model_zoo import TorchvisionUnavailableError, UnknownModelNameError
from mmlight.runner.safe_checkpoint import encode_safe
from tests.runner.checkpoint_server import serving

REFUSED = r"refusing to load .*its pickle references (posix|os|nt)\.system"


class Sneaky:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


def _weights(value: float = 1.0) -> dict[str, torch.Tensor]:
    return {"backbone.conv.weight": torch.full((2, 3), value), "head.fc.bias": torch.ones(2)}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> type[CheckpointLoader]:
    """CheckpointLoader with its schemes restored after the test."""
    monkeypatch.setattr(CheckpointLoader, "_schemes", dict(CheckpointLoader._schemes))
    return CheckpointLoader


@pytest.fixture
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """torch.hub's and mmengine's caches under tmp_path; returns the hub checkpoint folder."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setenv("MMENGINE_HOME", str(tmp_path / "mmengine_home"))
    folder = tmp_path / "torch_home" / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "the malicious pickle ran"


def _basename(url: str | None) -> str:
    assert url is not None
    return url.rsplit("/", 1)[1]


# ----------------------------------------------------------------------------- registration
def test_register_scheme_as_call_and_decorator(registry: type[CheckpointLoader]) -> None:
    def load_from_mine(filename: str, map_location: Any) -> Any:
        return {"got": (filename, map_location)}

    registry.register_scheme("mine://", load_from_mine)
    assert registry.load_checkpoint("mine://x", "cpu") == {"got": ("mine://x", "cpu")}

    @registry.register_scheme(prefixes=["yours://", "theirs://"])
    def load_from_yours(filename: str, map_location: Any) -> Any:
        return filename

    assert load_from_yours("a", None) == "a"  # the decorator returns the function
    assert registry._get_checkpoint_loader("theirs://x") is load_from_yours


def test_register_scheme_refuses_duplicates_unless_forced(
    registry: type[CheckpointLoader],
) -> None:
    with pytest.raises(KeyError, match=r'http:// is already registered as a loader backend, '
                                       r'add "force=True"'):
        registry.register_scheme("http://", lambda f, m: None)
    replacement = lambda f, m: "forced"  # noqa: E731
    registry.register_scheme("http://", replacement, force=True)
    assert registry.load_checkpoint("http://x/y.pth") == "forced"
    with pytest.raises(SchemeRegistrationError, match="prefixes must be a str or a list"):
        registry.register_scheme({"a://"}, replacement)  # type: ignore[call-overload]
    with pytest.raises(AssertionError):  # mmengine asserts
        registry.register_scheme(3, replacement)  # type: ignore[call-overload]


def test_schemes_are_kept_in_reverse_order_and_matched_as_regexes() -> None:
    prefixes = list(CheckpointLoader._schemes)
    assert prefixes == sorted(prefixes, reverse=True)
    assert prefixes[-1] == ""  # the local loader catches everything else
    chosen = {
        path: CheckpointLoader._get_checkpoint_loader(path).__name__  # type: ignore[union-attr]
        for path in ("a.pth", "~/a.pth", "memory://x.pth", "http://h/a.pth",
                     "https://h/a.pth", "torchvision://resnet50", "modelzoo://resnet50",
                     "open-mmlab://x", "openmmlab://x", "mmcls://x", "pavi://x", "s3://b/a",
                     "cluster:s3://b/a", "petrel://b/a", "gs://b/a")
    }
    assert chosen == {
        "a.pth": "load_from_local", "~/a.pth": "load_from_local",
        "memory://x.pth": "load_from_local", "http://h/a.pth": "load_from_http",
        "https://h/a.pth": "load_from_http", "torchvision://resnet50": "load_from_torchvision",
        "modelzoo://resnet50": "load_from_torchvision", "open-mmlab://x": "load_from_openmmlab",
        "openmmlab://x": "load_from_openmmlab", "mmcls://x": "load_from_mmcls",
        "pavi://x": "load_from_pavi", "s3://b/a": "load_from_ceph",
        "cluster:s3://b/a": "load_from_ceph", "petrel://b/a": "load_from_ceph",
        "gs://b/a": "load_from_local",
    }


def test_a_longer_prefix_wins(registry: type[CheckpointLoader]) -> None:
    registry.register_scheme("http://special", lambda f, m: "special")
    assert registry.load_checkpoint("http://special/a.pth") == "special"
    assert registry._get_checkpoint_loader("http://other/a.pth") is load_from_http


# ----------------------------------------------------------------------------- local, fsspec
def test_local_paths_load_and_name_their_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.pth"
    torch.save({"state_dict": _weights()}, path)
    loaded = CheckpointLoader.load_checkpoint(str(path), logger=None)
    assert _same(loaded["state_dict"], _weights())
    assert capsys.readouterr().out == f"Loads checkpoint by local backend from path: {path}\n"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _same(CheckpointLoader.load_checkpoint("~/w.pth", logger="silent")["state_dict"],
                 _weights())
    with pytest.raises(FileNotFoundError, match=r"nope\.pth can not be found"):
        CheckpointLoader.load_checkpoint(str(tmp_path / "nope.pth"), logger="silent")


def test_fsspec_urls_go_through_the_local_loader() -> None:
    import fsspec

    url = "memory://checkpoint-loader-test/w.pth"
    with fsspec.open(url, "wb") as stream:
        torch.save(_weights(), stream)
    assert _same(_load_checkpoint(url, logger="silent"), _weights())


# ----------------------------------------------------------------------------- http
def test_http_downloads_once_into_torch_hubs_cache(
    tmp_path: Path, caches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served_dir = tmp_path / "srv"
    served_dir.mkdir()
    torch.save({"state_dict": _weights(2.0)}, served_dir / "w-1234.pth")
    with serving(served_dir) as server:
        url = f"{server.url}/w-1234.pth"
        first = _load_checkpoint(url, map_location="cpu")
        again = _load_checkpoint(url, map_location="cpu")
        assert server.requested == ["/w-1234.pth"]  # the second load read the cache
        other = tmp_path / "elsewhere"
        from_dir = load_from_http(url, model_dir=str(other))
        assert server.requested == ["/w-1234.pth", "/w-1234.pth"]
    assert (caches / "w-1234.pth").is_file() and (other / "w-1234.pth").is_file()
    for loaded in (first, again, from_dir):
        assert _same(loaded["state_dict"], _weights(2.0))
    captured = capsys.readouterr()
    assert f'Downloading: "{url}" to {caches / "w-1234.pth"}' in captured.out
    assert f"Loads checkpoint by http backend from path: {url}" in captured.out


def test_http_passes_decode_and_load_checkpoint_fills_a_model(
    tmp_path: Path, caches: Path
) -> None:
    served_dir = tmp_path / "srv"
    served_dir.mkdir()
    model = torch.nn.Linear(3, 2)
    torch.save(encode_safe({"state_dict": model.state_dict(), "meta": {"a": np.arange(3)}}),
               served_dir / "m.pth")
    with serving(served_dir) as server:
        decoded = _load_checkpoint(f"{server.url}/m.pth", decode=True, logger="silent")
        fresh = torch.nn.Linear(3, 2)
        load_checkpoint(fresh, f"{server.url}/m.pth", logger="silent")
    assert type(decoded["meta"]["a"]) is np.ndarray
    assert torch.equal(fresh.weight, model.weight)


def test_offline_download_says_where_to_put_the_file(tmp_path: Path, caches: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/model-abc.pth"
    cached = caches / "model-abc.pth"
    with pytest.raises(CheckpointDownloadError,
                       match=rf"cannot download {url}: .*place it at {cached} "
                             rf"\(the checkpoint cache {caches};") as info:
        _load_checkpoint(url, logger="silent")
    assert info.value.url == url and info.value.cache_path == str(cached)
    assert not cached.exists()
    served_dir = tmp_path / "srv"
    served_dir.mkdir()
    with serving(served_dir) as server, \
            pytest.raises(CheckpointDownloadError, match=r"HTTP Error 404"):
        _load_checkpoint(f"{server.url}/missing.pth", logger="silent")


def test_legacy_zip_downloads_are_unpacked_and_zip_bombs_refused(
    tmp_path: Path, caches: Path
) -> None:
    inner = tmp_path / "inner.pth"
    torch.save(_weights(), inner, _use_new_zipfile_serialization=False)
    served_dir = tmp_path / "srv"
    served_dir.mkdir()
    with zipfile.ZipFile(served_dir / "legacy.zip", "w") as archive:
        archive.write(inner, "legacy.pth")
    with zipfile.ZipFile(served_dir / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.pth", b"\0" * (8 << 20))
    with serving(served_dir) as server:
        assert _same(_load_checkpoint(f"{server.url}/legacy.zip", logger="silent"),
                     _weights())
        assert (caches / "legacy.pth").is_file()
        with pytest.raises(UnsafeCheckpointError, match=r"bomb\.zip .*expands from"):
            _load_checkpoint(f"{server.url}/bomb.zip", logger="silent")
    assert not (caches / "bomb.pth").exists()


# ----------------------------------------------------------------------------- model zoos
def test_torchvision_names_read_the_cached_url_file(
    caches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = get_torchvision_models()["resnet18"]
    torch.save(_weights(3.0), caches / _basename(url))
    assert _same(_load_checkpoint("torchvision://resnet18"), _weights(3.0))
    assert "Loads checkpoint by torchvision backend from path: torchvision://resnet18" in \
        capsys.readouterr().out


class _Said(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def said() -> Iterator[_Said]:
    """What a fresh current MMLogger is told (MMLogger does not propagate to caplog)."""
    import uuid

    from mmlight.logging import MMLogger

    logger = MMLogger.get_instance(f"checkpoint-loader-{uuid.uuid4().hex}")
    handler = _Said()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_modelzoo_scheme_is_deprecated(caches: Path, said: _Said) -> None:
    url = get_torchvision_models()["resnet18"]
    torch.save(_weights(), caches / _basename(url))
    _load_checkpoint("modelzoo://resnet18", logger="silent")
    assert 'The URL scheme of "modelzoo://" is deprecated' in said.text


def test_unknown_torchvision_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import fails: not installed
    with pytest.raises(TorchvisionUnavailableError,
                       match=r"resnet50\.imagenet1k_v2: no torchvision:// model of that name\. "
                             r".*torchvision could not be imported \(ModuleNotFoundError"):
        _load_checkpoint("torchvision://resnet50.imagenet1k_v2", logger="silent")
    with pytest.raises(KeyError, match=r"shufflenetv2_x2\.0: the torchvision:// table lists no"):
        _load_checkpoint("torchvision://shufflenetv2_x2.0", logger="silent")


def _fake_torchvision(version: str) -> types.ModuleType:
    """A torchvision with one weight enum, the way 0.13 (``*_Weights`` in models) and 0.14+
    (``list_models``/``get_model_weights``) expose them."""
    import enum

    class Weights:
        def __init__(self, url: str) -> None:
            self.url = url

    class ResNet50_Weights(enum.Enum):
        IMAGENET1K_V1 = Weights("https://x/resnet50-v1.pth")
        IMAGENET1K_V2 = Weights("https://x/resnet50-v2.pth")

        @property
        def url(self) -> str:  # torchvision's enum members hand out their value's fields
            return self.value.url

    ResNet50_Weights.DEFAULT = ResNet50_Weights.IMAGENET1K_V2  # type: ignore[attr-defined]
    models = types.ModuleType("torchvision.models")
    models.ResNet50_Weights = ResNet50_Weights  # type: ignore[attr-defined]
    models.list_models = lambda module: ["resnet50"]  # type: ignore[attr-defined]
    models.get_model_weights = lambda name: ResNet50_Weights  # type: ignore[attr-defined]
    module = types.ModuleType("torchvision")
    module.__version__ = version  # type: ignore[attr-defined]
    module.models = models  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize("version", ["0.13.1", "0.19.0+cu121"])
def test_torchvision_weight_enums_add_names(
    monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    monkeypatch.setitem(sys.modules, "torchvision", _fake_torchvision(version))
    urls = get_torchvision_models()
    assert urls["resnet50.imagenet1k_v1"] == "https://x/resnet50-v1.pth"
    assert urls["resnet50.default"] == urls["resnet50.imagenet1k_v2"] == \
        "https://x/resnet50-v2.pth"
    assert urls["resnet50"] == "https://download.pytorch.org/models/resnet50-0676ba61.pth"
    monkeypatch.setitem(sys.modules, "torchvision", _fake_torchvision("0.12.0"))
    assert "resnet50.default" not in get_torchvision_models()


def test_openmmlab_names_urls_user_table_paths_and_deprecations(
    tmp_path: Path, caches: Path, said: _Said
) -> None:
    url = get_external_models()["vgg16_caffe"]
    torch.save(_weights(4.0), caches / _basename(url))
    for name in ("open-mmlab://vgg16_caffe", "openmmlab://vgg16_caffe"):
        assert _same(_load_checkpoint(name, logger="silent"), _weights(4.0))
    assert "deprecated" not in said.text
    home = tmp_path / "mmengine_home"
    home.mkdir(exist_ok=True)
    (home / "open_mmlab.json").write_text(json.dumps({"mine": "weights/mine.pth",
                                                      "gone": "weights/gone.pth"}))
    (home / "weights").mkdir()
    torch.save(_weights(6.0), home / "weights" / "mine.pth")
    assert _same(_load_checkpoint("open-mmlab://mine", logger="silent"), _weights(6.0))
    with pytest.raises(CheckpointNotFoundError, match=r"weights/gone\.pth can not be found"):
        _load_checkpoint("open-mmlab://gone", logger="silent")
    with pytest.raises(UnknownModelNameError, match="nothing_like_it: no open-mmlab:// model"):
        _load_checkpoint("open-mmlab://nothing_like_it", logger="silent")
    with pytest.raises(KeyError, match=r"vgg16_cafe: no openmmlab:// model of that name; "
                                       r"close names: vgg16_caffe"):
        _load_checkpoint("openmmlab://vgg16_cafe", logger="silent")


def test_openmmlab_deprecated_names_warn_and_load_the_new_one(
    caches: Path, said: _Said
) -> None:
    from mmlight.runner.checkpoint import get_deprecated_model_names

    old, new = next(iter(get_deprecated_model_names().items()))
    assert new is not None
    torch.save(_weights(7.0), caches / _basename(get_external_models()[new]))
    loaded = _load_checkpoint(f"open-mmlab://{old}", logger="silent")
    assert _same(loaded, _weights(7.0))
    assert f"open-mmlab://{old} is deprecated in favor of open-mmlab://{new}" in said.text


def test_mmcls_keeps_the_backbone(caches: Path) -> None:
    from mmlight.runner.checkpoint import get_mmcls_models

    name, url = next(iter(get_mmcls_models().items()))
    torch.save({"state_dict": _weights(8.0), "meta": {}}, caches / _basename(url))
    loaded = _load_checkpoint(f"mmcls://{name}", logger="silent")
    assert list(loaded) == ["state_dict"]
    assert _same(loaded["state_dict"], {"conv.weight": torch.full((2, 3), 8.0)})


# ----------------------------------------------------------------------------- pavi, petrel
def _fake_pavi(source: Path) -> types.ModuleType:
    class Model:
        name = "../../escape.pth"  # only its base name is used

        def download(self, target: str) -> None:
            Path(target).write_bytes(source.read_bytes())

    modelcloud = types.SimpleNamespace(get=lambda path: Model())
    module = types.ModuleType("pavi")
    module.modelcloud = modelcloud  # type: ignore[attr-defined]
    return module


def test_pavi_needs_pavi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pavi", None)
    with pytest.raises(ImportError, match="Please install pavi to load checkpoint from "
                                          "modelcloud"):
        _load_checkpoint("pavi://project/model", logger="silent")
    with pytest.raises(SchemeMismatchError, match="Expected filename startswith `pavi://`"):
        load_from_pavi("http://x")
    good = tmp_path / "good.pth"
    torch.save(_weights(), good)
    monkeypatch.setitem(sys.modules, "pavi", _fake_pavi(good))
    assert _same(_load_checkpoint("pavi://project/model", logger="silent"), _weights())


def _fake_petrel(source: Path, asked: list[str]) -> types.ModuleType:
    class Client:
        def __init__(self, conf_path: Any = None, enable_mc: bool = True) -> None:
            pass

        def Get(self, path: str) -> bytes:
            asked.append(path)
            return source.read_bytes()

    client = types.ModuleType("petrel_client.client")
    client.Client = Client  # type: ignore[attr-defined]
    package = types.ModuleType("petrel_client")
    package.client = client  # type: ignore[attr-defined]
    return package


def test_s3_and_petrel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "petrel_client", None)
    with pytest.raises(ImportError, match=r"Please install petrel_client to enable "
                                          r"PetrelBackend\. \(petrel:// and <cluster>:s3://"):
        _load_checkpoint("cluster:s3://bucket/w.pth", logger="silent")
    if "s3fs" not in sys.modules:
        try:
            import s3fs  # noqa: F401
        except ImportError:
            with pytest.raises(ImportError, match="s3fs"):  # fsspec's own hint
                _load_checkpoint("s3://bucket/w.pth", logger="silent")
    good = tmp_path / "good.pth"
    torch.save(_weights(), good)
    asked: list[str] = []
    fake = _fake_petrel(good, asked)
    monkeypatch.setitem(sys.modules, "petrel_client", fake)
    monkeypatch.setitem(sys.modules, "petrel_client.client", fake.client)
    for name in ("cluster:s3://bucket/w.pth", "petrel://bucket/w.pth", "s3://bucket/w.pth"):
        assert _same(_load_checkpoint(name, logger="silent"), _weights())
    assert asked == ["cluster:s3://bucket/w.pth", "s3://bucket/w.pth", "s3://bucket/w.pth"]


# ----------------------------------------------------------------------------- prefixes
def test_load_checkpoint_with_prefix(tmp_path: Path) -> None:
    path = tmp_path / "w.pth"
    torch.save({"state_dict": _weights()}, path)
    for prefix in ("backbone", "backbone."):
        assert _same(_load_checkpoint_with_prefix(prefix, str(path)),
                     {"conv.weight": torch.full((2, 3), 1.0)})
    torch.save(_weights(), path)  # no 'state_dict' key: the whole dict is the state dict
    assert list(_load_checkpoint_with_prefix("head", str(path))) == ["fc.bias"]
    with pytest.raises(CheckpointPrefixError,
                       match=r"neck\. is not in the pretrained model: .*w\.pth has no keys "
                             r"starting with prefix 'neck\.'; top-level prefixes in the file: "
                             r"\['backbone\.', 'head\.'\]"):
        _load_checkpoint_with_prefix("neck", str(path))
    with pytest.raises(AssertionError):  # mmengine asserts
        _load_checkpoint_with_prefix("neck", str(path))


# ----------------------------------------------------------------------------- attacks
def test_a_malicious_pickle_is_refused_through_every_scheme(
    tmp_path: Path, caches: Path, monkeypatch: pytest.MonkeyPatch, marker: Path
) -> None:
    import fsspec

    evil = {"state_dict": _weights(), "x": Sneaky(marker)}
    local = tmp_path / "evil.pth"
    torch.save(evil, local)
    served_dir = tmp_path / "srv"
    served_dir.mkdir()
    torch.save(evil, served_dir / "evil.pth")
    legacy = tmp_path / "evil_legacy.pth"
    torch.save(evil, legacy, _use_new_zipfile_serialization=False)
    with zipfile.ZipFile(served_dir / "evil.zip", "w") as archive:
        archive.write(legacy, "evil_inner.pth")
    with fsspec.open("memory://checkpoint-loader-test/evil.pth", "wb") as stream:
        torch.save(evil, stream)
    for table_url in (get_torchvision_models()["resnet18"],
                      get_external_models()["vgg16_caffe"]):
        torch.save(evil, caches / _basename(table_url))
    from mmlight.runner.checkpoint import get_mmcls_models

    mmcls_name, mmcls_url = next(iter(get_mmcls_models().items()))
    torch.save(evil, caches / _basename(mmcls_url))
    home = tmp_path / "mmengine_home"
    home.mkdir(exist_ok=True)
    monkeypatch.setitem(sys.modules, "pavi", _fake_pavi(local))
    asked: list[str] = []
    fake = _fake_petrel(local, asked)
    monkeypatch.setitem(sys.modules, "petrel_client", fake)
    monkeypatch.setitem(sys.modules, "petrel_client.client", fake.client)
    with serving(served_dir) as server:
        (home / "open_mmlab.json").write_text(json.dumps({
            "evil_url": f"{server.url}/evil.pth", "evil_path": str(local)}))
        names = [
            str(local), "memory://checkpoint-loader-test/evil.pth",
            f"{server.url}/evil.pth", f"{server.url}/evil.zip", "torchvision://resnet18",
            "open-mmlab://vgg16_caffe", "openmmlab://evil_url", "open-mmlab://evil_path",
            f"mmcls://{mmcls_name}", "pavi://project/evil", "cluster:s3://bucket/evil.pth",
        ]
        for name in names:
            with pytest.raises(UnsafeCheckpointError, match=REFUSED):
                _load_checkpoint(name, logger="silent")
            with pytest.raises(UnsafeCheckpointError, match=REFUSED):
                load_checkpoint(torch.nn.Linear(2, 2), name, logger="silent")
            from mmlight.model.weight_init import PretrainedInit

            with pytest.raises(UnsafeCheckpointError, match=REFUSED):
                PretrainedInit(name)(torch.nn.Linear(2, 2))
            with pytest.raises(UnsafeCheckpointError, match=REFUSED):
                _load_checkpoint_with_prefix("backbone", name)
    assert len(asked) == 4  # petrel was asked, for every API, and refused each time


def test_unsafe_load_reaches_the_schemes(tmp_path: Path, caches: Path) -> None:
    """``unsafe_load=True`` (the caller trusts the file) is honoured by the http scheme too:
    the option travels with the call, not through the loaders' arguments."""
    import argparse

    served_dir = tmp_path / "srv"
    served_dir.mkdir()
    torch.save({"ns": argparse.Namespace(a=1)}, served_dir / "ns.pth")
    with serving(served_dir) as server:
        url = f"{server.url}/ns.pth"
        with pytest.raises(UnsafeCheckpointError, match=r"argparse\.Namespace"):
            _load_checkpoint(url, logger="silent")
        with pytest.warns(UserWarning, match="unsafe_load=True"):
            loaded = _load_checkpoint(url, logger="silent", unsafe_load=True)
    assert loaded["ns"].a == 1
