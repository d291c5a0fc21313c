# covers: environment variables used in a base are substituted there and recorded for the child
_base_ = ['./env_string.py', './env.yaml']
own = '{{$MMLIGHT_CORPUS_TAG:child}}'
