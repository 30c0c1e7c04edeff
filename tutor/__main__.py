"""`python -m tutor`: the `servicelab` command, for processes started without the entry point
(each browser connection of `servicelab workshop serve` runs one)."""

from .cli import main

main()
