# covers: predefined variables in a dotted file name (fileBasenameNoExtension keeps inner dots)
stem = '{{fileBasenameNoExtension}}'
ext = '{{fileExtname}}'
