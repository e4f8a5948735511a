"""``python -m zkcollat.contracts generate``: rewrite the generated files of verifier_contracts/."""

from __future__ import annotations

import sys
from pathlib import Path

from zkcollat.contracts.generate import generate


def main(argv: list[str]) -> int:
    if argv[:1] != ["generate"]:
        print("usage: python -m zkcollat.contracts generate [PROJECT_DIR]", file=sys.stderr)
        return 2
    project = Path(argv[1]) if len(argv) > 1 else Path(__file__).parents[2] / "verifier_contracts"
    for path in generate(project):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
