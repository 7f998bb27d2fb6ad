# SPDX-License-Identifier: LGPL-2.1-or-later
"""
``python3 -m pgmapcheck_drgn [OPTION]... [-k VMLINUX] [VMCORE]``: the drgn
frontend without the drgn CLI (drgn-scripts/pgmapcheck.py of an installed
package): the CLI's options, output and exit status.
"""

import sys

from pgmapcheck_drgn.cli import main

if __name__ == "__main__":
    sys.exit(main(None, sys.argv[1:]))
