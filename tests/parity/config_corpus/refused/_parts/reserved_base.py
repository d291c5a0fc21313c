# covers: a base defining the reserved key `pretty_text`
pretty_text = 'x'
