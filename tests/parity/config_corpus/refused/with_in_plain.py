# covers: an old-style config (no imports at all) using a `with` statement; mmengine refuses any
# `with` other than read_base() in every .py config, not only in new-style ones
with open(__file__) as handle:
    first_line = handle.readline()
