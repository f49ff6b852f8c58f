"""`python -m local.demo`: the demo (``local.demo.run``)."""

import sys

from local.demo.run import main

sys.exit(main())
