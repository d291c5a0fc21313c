# covers: `custom_imports` with `allow_failed_imports=True` and one module that does not exist
custom_imports = dict(
    imports=['mmlight_corpus_plugin', 'mmlight_corpus_no_such_module'], allow_failed_imports=True
)
