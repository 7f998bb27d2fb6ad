# SPDX-License-Identifier: LGPL-2.1-or-later
"""
pgmapcheck's drgn plugin: the entry point ``pgmapcheck`` of the group
``drgn.plugins`` (pyproject.toml), which drgn 0.0.27 and later import by
themselves (or with ``DRGN_PLUGINS=pgmapcheck=pgmapcheck_drgn.plugin`` when
the package is only on ``sys.path``; ``DRGN_DISABLE_PLUGINS=pgmapcheck``
turns it off).

On a drgn with :mod:`drgn.commands` (0.3 and later) it registers the
``pgmapcheck`` command (:mod:`pgmapcheck_drgn.command`): ``%pgmapcheck`` in
the drgn shell, ``run_command(prog, "pgmapcheck ...")`` from code.  On older
drgn (0.0.22 has neither plugins nor commands) importing it does nothing and
``pgmapcheck_drgn`` stays a plain helper module.
"""

try:
    # what pgmapcheck_drgn.command uses (drgn 0.3's API)
    from drgn.commands import (  # noqa: F401
        CommandArgumentError,
        CommandError,
        argument,
        mutually_exclusive_group,
        parse_shell_command,
    )
    from drgn.commands.linux import linux_kernel_custom_command  # noqa: F401
except ImportError:
    #: Whether this drgn has commands (and so ``%pgmapcheck``).
    HAVE_COMMANDS = False
else:
    HAVE_COMMANDS = True
    from pgmapcheck_drgn import command  # noqa: F401  (registers it)

__all__ = ("HAVE_COMMANDS",)
