"""`python -m dockwise` is the same as the `dockwise` command."""

from dockwise.cli import main_exit

main_exit()
