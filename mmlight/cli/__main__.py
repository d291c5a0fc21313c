"""``python -m mmlight.cli`` = ``mmlight``."""

import sys

from mmlight.cli.main import main

sys.exit(main())
