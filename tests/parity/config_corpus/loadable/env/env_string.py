# covers: environment variables inside strings (default given, spaces around the parts)
data_root = '{{$MMLIGHT_CORPUS_ROOT:/data/default}}/coco'
tag = '{{ $MMLIGHT_CORPUS_TAG : tagdef }}'
