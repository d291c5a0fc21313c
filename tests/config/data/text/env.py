root = '{{$MMLIGHT_TEST_ROOT:/data}}/images'
num = {{'$MMLIGHT_TEST_NUM:80'}}
tag = '{{ $MMLIGHT_TEST_TAG: }}'
