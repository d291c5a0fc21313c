"""Metafile lookups on mmsegmentation 1.2.2's installed ``.mim`` folder, as mmengine does them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.interop
pytest.importorskip("mmseg")
pytest.importorskip("mmengine")

from mmengine.infer import BaseInferencer as EngineInferencer  # noqa: E402

from mmlight.infer import BaseInferencer  # noqa: E402


@pytest.mark.parametrize("patterns", [r".*", r"fcn_r18", r"segformer_mit-b0"])
def test_list_models_as_mmengine(patterns: str) -> None:
    ours = BaseInferencer.list_models("mmseg", patterns)
    assert ours == EngineInferencer.list_models("mmseg", patterns)
    assert ours


def test_repo_or_mim_dir_as_mmengine() -> None:
    assert BaseInferencer._get_repo_or_mim_dir("mmseg") == EngineInferencer._get_repo_or_mim_dir(
        "mmseg"
    )


@pytest.mark.parametrize(
    "name",
    ["fcn_r18-d8_4xb2-80k_cityscapes-512x1024", "SEGFORMER_MIT-B0_8XB2-160K_ADE20K-512X512"],
)
def test_model_from_metafile_as_mmengine(name: str) -> None:
    holder = SimpleNamespace(scope="mmseg")
    ours_cfg, ours_weights = BaseInferencer._load_model_from_metafile(holder, name)  # type: ignore[arg-type]
    theirs_cfg, theirs_weights = EngineInferencer._load_model_from_metafile(holder, name)
    assert ours_cfg.to_dict() == theirs_cfg.to_dict()
    assert ours_weights == theirs_weights and ours_weights.startswith("https://")


def test_unknown_model_name_suggests_close_ones() -> None:
    holder = SimpleNamespace(scope="mmseg")
    with pytest.raises(ValueError, match=r"Cannot find model: fcn_r18-d8_4xb2-80k_cityscape in "
                                         r"mmseg\. Did you mean 'fcn_r18-d8"):
        BaseInferencer._load_model_from_metafile(
            holder, "fcn_r18-d8_4xb2-80k_cityscape"  # type: ignore[arg-type]
        )
