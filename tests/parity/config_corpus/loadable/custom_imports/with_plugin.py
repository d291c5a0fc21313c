# covers: `custom_imports` importing a module found on sys.path (the test puts ../../helpers there)
custom_imports = dict(imports=['mmlight_corpus_plugin'], allow_failed_imports=False)
model = dict(type='PluginModel')
