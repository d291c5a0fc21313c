"""Parity with mmengine 0.10.7's CheckpointLoader: the same names load the same tensors, pick
the same loader, print the same line, cache in the same place, and fail with mmengine's
words inside mmlight's messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from mmlight.runner import checkpoint as ours
from mmlight.runner.checkpoint import CheckpointLoader
from tests.runner.checkpoint_server import serving

me = pytest.importorskip("mmengine.runner.checkpoint")

PATHS = ("a.pth", "~/a.pth", "/abs/a.pth", "memory://x.pth", "http://h/a.pth",
         "https://h/a.pth", "torchvision://resnet50", "modelzoo://resnet50", "open-mmlab://x",
         "openmmlab://x", "mmcls://x", "pavi://x", "s3://b/a", "cluster:s3://b/a",
         "petrel://b/a", "open-mmlab:s3://b/a", "gs://b/a", "mmcls:s3://b/a")


def _weights(value: float = 1.0) -> dict[str, torch.Tensor]:
    return {"backbone.conv.weight": torch.full((2, 3), value),
            "backbone.bn.running_mean": torch.arange(3.0), "head.fc.bias": torch.ones(2)}


def _assert_same(a: Any, b: Any) -> None:
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b)
        for key in a:
            _assert_same(a[key], b[key])
    else:
        assert a == b


@pytest.fixture
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setenv("MMENGINE_HOME", str(tmp_path / "mmengine_home"))
    folder = tmp_path / "torch_home" / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


def test_the_same_schemes_in_the_same_order() -> None:
    assert list(CheckpointLoader._schemes) == list(me.CheckpointLoader._schemes)
    for path in PATHS:
        theirs = me.CheckpointLoader._get_checkpoint_loader(path).__name__
        assert CheckpointLoader._get_checkpoint_loader(path).__name__ == theirs, path  # type: ignore[union-attr]


def test_registration_orders_and_refuses_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CheckpointLoader, "_schemes", dict(CheckpointLoader._schemes))
    monkeypatch.setattr(me.CheckpointLoader, "_schemes", dict(me.CheckpointLoader._schemes))

    def load_from_zoo(filename: str, map_location: Any) -> Any:
        return filename

    for loader in (CheckpointLoader, me.CheckpointLoader):
        loader.register_scheme(["zoo://", "http://zoo", r"(\S+\:)?zoo://"], load_from_zoo)
        loader.register_scheme("a", load_from_zoo)
    assert list(CheckpointLoader._schemes) == list(me.CheckpointLoader._schemes)
    for path in (*PATHS, "zoo://x", "http://zoo/x", "c:zoo://x", "a.pth", "ab://"):
        mine = CheckpointLoader._get_checkpoint_loader(path)
        theirs = me.CheckpointLoader._get_checkpoint_loader(path)
        assert mine is not None and (mine is theirs or mine.__name__ == theirs.__name__), path
    messages = []
    for loader in (CheckpointLoader, me.CheckpointLoader):
        with pytest.raises(KeyError) as info:
            loader.register_scheme("zoo://", load_from_zoo)
        messages.append(str(info.value).strip("'\""))
    assert messages[0] == messages[1]


def test_a_local_file_loads_the_same_tensors_and_prints_the_same_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.pth"
    torch.save({"state_dict": _weights(), "meta": {"epoch": 3}}, path)
    theirs = me.CheckpointLoader.load_checkpoint(str(path), logger=None)
    their_line = capsys.readouterr().out
    mine = CheckpointLoader.load_checkpoint(str(path), logger=None)
    assert capsys.readouterr().out == their_line
    _assert_same(mine, theirs)
    _assert_same(ours._load_checkpoint(str(path), logger="silent"),
                 me._load_checkpoint(str(path), logger="silent"))


def test_prefix_extraction(tmp_path: Path) -> None:
    path = tmp_path / "w.pth"
    for saved in ({"state_dict": _weights()}, _weights()):
        torch.save(saved, path)
        for prefix in ("backbone", "backbone.", "head", "backbone.bn"):
            _assert_same(ours._load_checkpoint_with_prefix(prefix, str(path)),
                         me._load_checkpoint_with_prefix(prefix, str(path)))
    with pytest.raises(AssertionError) as theirs:
        me._load_checkpoint_with_prefix("neck", str(path))
    with pytest.raises(AssertionError, match=str(theirs.value).replace(".", r"\.")):
        ours._load_checkpoint_with_prefix("neck", str(path))


def test_missing_files_keep_mmengines_words(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.pth")
    with pytest.raises(FileNotFoundError) as theirs:
        me.CheckpointLoader.load_checkpoint(missing, logger="silent")
    with pytest.raises(FileNotFoundError, match=str(theirs.value).replace(".", r"\.")):
        CheckpointLoader.load_checkpoint(missing, logger="silent")


def test_http_downloads_to_the_same_cache_and_loads_the_same(
    tmp_path: Path, caches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served = tmp_path / "srv"
    served.mkdir()
    torch.save({"state_dict": _weights(2.0)}, served / "w-abc.pth")
    with serving(served) as server:
        url = f"{server.url}/w-abc.pth"
        theirs = me.load_from_http(url, map_location="cpu")
        their_out = capsys.readouterr().out
        (caches / "w-abc.pth").unlink()
        mine = ours.load_from_http(url, map_location="cpu")
        assert capsys.readouterr().out == their_out  # 'Downloading: "<url>" to <cache file>'
        assert server.requested == ["/w-abc.pth", "/w-abc.pth"]
        their_dir = tmp_path / "theirs"
        my_dir = tmp_path / "mine"
        _assert_same(ours.load_from_http(url, model_dir=str(my_dir)),
                     me.load_from_http(url, model_dir=str(their_dir)))
    assert sorted(p.name for p in my_dir.iterdir()) == sorted(p.name for p in their_dir.iterdir())
    _assert_same(mine, theirs)


def test_the_url_tables_are_mmengines(tmp_path: Path, caches: Path) -> None:
    home = tmp_path / "mmengine_home"
    home.mkdir(exist_ok=True)
    (home / "open_mmlab.json").write_text(json.dumps({"mine": "w/mine.pth",
                                                      "vgg16_caffe": "https://x/y.pth"}))
    assert ours.get_external_models() == me.get_external_models()
    assert ours.get_mmcls_models() == me.get_mmcls_models()
    assert ours.get_deprecated_model_names() == me.get_deprecated_model_names()
    import mmengine

    table = Path(mmengine.__path__[0]) / "hub" / "torchvision_0.12.json"
    shipped = json.loads(table.read_text())
    from mmlight.runner.model_zoo import import_torchvision

    if import_torchvision()[0] is None:
        assert ours.get_torchvision_models() == shipped
    else:
        assert ours.get_torchvision_models() == me.get_torchvision_models()


def test_model_zoo_names_load_the_same(
    tmp_path: Path, caches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = {"state_dict": _weights(3.0), "meta": {"x": 1}}
    name, url = next(iter(ours.get_mmcls_models().items()))
    torch.save(checkpoint, caches / str(url).rsplit("/", 1)[1])
    _assert_same(ours.load_from_mmcls(f"mmcls://{name}"), me.load_from_mmcls(f"mmcls://{name}"))
    old, new = next(iter(ours.get_deprecated_model_names().items()))
    torch.save(checkpoint, caches / str(ours.get_external_models()[str(new)]).rsplit("/", 1)[1])
    home = tmp_path / "mmengine_home"
    home.mkdir(exist_ok=True)
    (home / "open_mmlab.json").write_text(json.dumps({"local": "w/local.pth",
                                                      "gone": "w/gone.pth"}))
    (home / "w").mkdir()
    torch.save(checkpoint, home / "w" / "local.pth")
    for zoo_name in (f"open-mmlab://{old}", f"openmmlab://{new}", "open-mmlab://local"):
        _assert_same(ours.CheckpointLoader.load_checkpoint(zoo_name, logger=None),
                     me.CheckpointLoader.load_checkpoint(zoo_name, logger=None))
    printed = [line for line in capsys.readouterr().out.splitlines()
               if line.startswith("Loads checkpoint")]
    assert len(printed) == 6
    assert printed[0::2] == printed[1::2]
    with pytest.raises(FileNotFoundError) as theirs:
        me.load_from_openmmlab("open-mmlab://gone")
    with pytest.raises(FileNotFoundError, match=str(theirs.value).replace(".", r"\.")):
        ours.load_from_openmmlab("open-mmlab://gone")
    with pytest.raises(KeyError):
        me.load_from_openmmlab("open-mmlab://no_such_model")
    with pytest.raises(KeyError, match="no_such_model"):
        ours.load_from_openmmlab("open-mmlab://no_such_model")
