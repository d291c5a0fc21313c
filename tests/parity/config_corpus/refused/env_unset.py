# covers: an environment variable that is not set and has no default
data_root = '{{$MMLIGHT_CORPUS_UNSET_VAR:}}/images'
