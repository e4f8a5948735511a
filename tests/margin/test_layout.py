"""The venue's rooms stay rooms: no module over 400 lines, and all SQL in the store (store.py,
store_portfolios.py for the portfolio credits' tables, store_outbox.py for the messages to the
vaults)."""

from __future__ import annotations

import re
from pathlib import Path

MARGIN = Path(__file__).resolve().parents[2] / "zkcollat" / "margin"
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE)\b|\.execute(many|script)?\(")


def test_no_module_over_400_lines() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in MARGIN.glob("*.py")}
    assert {n: s for n, s in sizes.items() if s > 400} == {}


def test_all_sql_is_in_the_store() -> None:
    found = [
        f"{p.name}:{i}"
        for p in MARGIN.glob("*.py")
        if p.name not in ("store.py", "store_portfolios.py", "store_outbox.py")
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if SQL.search(line)
    ]
    assert found == []
