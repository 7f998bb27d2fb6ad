#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
pgmapcheck for drgn: check ZONE_DEVICE memory (dev_pagemaps, their struct
pages, compound devmaps, the vmemmap behind them) with libinspect.

    drgn -c VMCORE -s VMLINUX drgn-scripts/pgmapcheck.py [--json] [OPTION]...
    drgn drgn-scripts/pgmapcheck.py [OPTION]...            (live kernel)
    /usr/bin/python3 drgn-scripts/pgmapcheck.py [OPTION]... [-k VMLINUX] \
        [VMCORE]

Same options, output and JSON schema as the pgmapcheck CLI; --help lists
them.
"""

import os
import sys

# The drgn CLI puts the script's directory on sys.path; python does too, but
# be explicit for runpy/exec users.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pgmapcheck_drgn.cli import main  # noqa: E402

if __name__ == "__main__":
    # drgn 0.0.22 runs scripts with runpy and puts its Program in our
    # globals as ``prog``; plain python leaves it undefined.
    sys.exit(main(globals().get("prog"), sys.argv[1:]))
