"""Run the zkcollat command line from a checkout: ``python cli.py --help``."""

from zkcollat.cli import main

if __name__ == "__main__":
    main()
