"""``python -m gugus``: the ``gugus`` command."""

from gugus.launch import main

main()
