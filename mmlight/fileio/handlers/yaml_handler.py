"""YAML files, through libyaml's C loader/dumper where PyYAML was built with it (as mmengine).

The full ``Loader`` is mmengine's choice (it builds Python tuples and the like); pass
``Loader=yaml.SafeLoader`` to ``load`` for files from untrusted sources.
"""

from __future__ import annotations

from typing import IO, Any

from mmlight.fileio.handlers.base import BaseFileHandler

__all__ = ["YamlHandler"]


def _yaml() -> Any:
    """PyYAML, imported at first use (about 15 ms, not paid by ``import mmlight.fileio``)."""
    import yaml

    return yaml


def _loader() -> Any:
    yaml = _yaml()
    return getattr(yaml, "CLoader", yaml.Loader)


def _dumper() -> Any:
    yaml = _yaml()
    return getattr(yaml, "CDumper", yaml.Dumper)


class YamlHandler(BaseFileHandler):
    """``yaml.load``/``yaml.dump``; ``Loader``/``Dumper`` may be overridden per call."""

    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        if "Loader" not in kwargs:
            kwargs["Loader"] = _loader()
        return _yaml().load(file, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        if "Dumper" not in kwargs:
            kwargs["Dumper"] = _dumper()
        _yaml().dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        if "Dumper" not in kwargs:
            kwargs["Dumper"] = _dumper()
        return str(_yaml().dump(obj, **kwargs))
