# covers: the quoted form of environment variables substituting non-strings (an int, a float)
num_classes = {{'$MMLIGHT_CORPUS_NUM:80'}}
ratio = {{"$MMLIGHT_CORPUS_RATIO:0.5"}}
