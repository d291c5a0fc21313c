"""Accept an MMCV 1.x config wherever mmlight loads one: translate it on load, say so once."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["translate_if_mmcv1"]


def translate_if_mmcv1(cfg: Any, path: str, import_custom_modules: bool = True) -> Any:
    """``cfg`` itself, or, when it is an MMCV 1.x config, its MMEngine-style translation as a
    ``Config`` (same filename), after one notice on stderr naming the file and the notes."""
    from mmlight.mmcv1.detect import is_mmcv1_config

    if not is_mmcv1_config(cfg):
        return cfg
    from mmlight.config import Config
    from mmlight.mmcv1.config_translation import SCHEDULERS_MODULE, translate_config
    from mmlight.mmcv1.render import render_config

    translation = translate_config(cfg.to_dict())
    count = translation.note_count
    sys.stderr.write(
        f"mmlight: {path} is an MMCV 1.x config; translated it to MMEngine style on load"
        + (f" ({count} field note(s): `mmlight migrate-config {path}` shows them)" if count else "")
        + "\n"
    )
    # The rendered text (with its NOTEs) is what a run dumps into its work_dir.
    new = Config(translation.config, cfg_text=render_config(translation, path), filename=path)
    imports = translation.config.get("custom_imports", {}).get("imports", [])
    if import_custom_modules and SCHEDULERS_MODULE in imports:
        import importlib

        importlib.import_module(SCHEDULERS_MODULE)
    return new
