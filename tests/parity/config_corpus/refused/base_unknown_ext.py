# covers: a `_base_` in an unsupported format
_base_ = './_parts/settings.toml'
