"""``python -m zkcollat.cli``: the command line, for subprocesses that must run this tree."""

from zkcollat.cli import run

run()
