import sys

from focusguard.cli import main

sys.exit(main())
