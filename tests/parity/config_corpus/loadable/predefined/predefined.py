# covers: predefined variables in .py, with and without spaces inside the braces, alone and
# combined in one string
work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
here = '{{fileDirname}}'
base_name = '{{fileBasename}}'
ext = '{{ fileExtname }}'
combo = '{{fileDirname}}/{{fileBasename}}'
