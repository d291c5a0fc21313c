# covers: `_base_` that is neither a string nor a list of strings
_base_ = 5
