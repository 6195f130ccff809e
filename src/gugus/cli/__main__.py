"""``python -m gugus.cli``."""

from gugus.cli import main

main()
