# covers: `custom_imports` naming a module that cannot be imported (allow_failed_imports=False)
custom_imports = dict(imports=['mmlight_corpus_no_such_module'], allow_failed_imports=False)
