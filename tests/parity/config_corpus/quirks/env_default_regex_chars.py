# covers: an environment-variable default containing regex metacharacters (`[1,2]`). mmengine
# builds a regex from the default text, fails to match its own placeholder, leaves the braces in
# place and Python then crashes on a set of sets (TypeError: unhashable type: 'set')
sizes = {{'$MMLIGHT_CORPUS_SIZES:[1,2]'}}
