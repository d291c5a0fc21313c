# covers: an environment variable (with a default) choosing the `_base_` file
_base_ = '{{$MMLIGHT_CORPUS_BASE:../formats/plain.py}}'
lr = 0.5
