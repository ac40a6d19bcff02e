import sys

from topoalign.cli import main

sys.exit(main())
