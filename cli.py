"""Run the zkcollat command line from a checkout: ``python cli.py --help``."""

from zkcollat.cli import run

if __name__ == "__main__":
    run()
