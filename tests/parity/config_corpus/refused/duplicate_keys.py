# covers: two bases in one `_base_` list both define `optimizer`
_base_ = ['./_parts/dup_a.py', './_parts/dup_b.yaml']
