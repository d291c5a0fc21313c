# covers: a new-style base (its non-stdlib import makes it one) for the style-mixing refusals
import mmlight_corpus_plugin as plugin

plugin_loaded = True
