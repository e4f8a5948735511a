"""Which portfolio Releases ``margin sync`` sends again through ``reissuePortfolioRelease``: those
the credit contract already released (read from its state), the same rule the contract applies
(Foundry: ``test_seizureReleasesIssuedAgainNeverItsSeizes``); any other Release of a portfolio
lock is a first one (``markPortfolioReleased``, ``markPortfolioSeized``'s skipped locks,
``closePortfolioSeizure``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from zkcollat.db import open_store
from zkcollat.margin.messages import OutboxEntry, Release
from zkcollat.relayer import sync_store
from zkcollat.relayer.portfolio_sync import RELEASED, SEIZED, SEIZING, PortfolioSync

ACTIVE = 1
LOCKS = (80, 81, 82, 83)


class Credit:
    """The credit contract's views the decision reads: ``portfolios(id)`` and
    ``portfolioSeizedLocks(id)``."""

    def __init__(self, status: int, next_lock: int, seized: set[int]) -> None:
        self.state = ("0xowner", 0, status, next_lock, False, 0, 0, b"")
        self.bits = sum(1 << i for i in seized)

    @property
    def functions(self) -> Any:
        call = lambda v: SimpleNamespace(call=lambda: v)  # noqa: E731
        return SimpleNamespace(
            portfolios=lambda _pid: call(self.state),
            portfolioSeizedLocks=lambda _pid: call(self.bits),
        )


def released_on_chain(tmp_path: Path, credit: Credit, lock_index: int) -> bool:
    db = open_store(tmp_path / "sync.sqlite", sync_store.SCHEMA, create=True)
    try:
        ps = PortfolioSync(None, db, credit, None, None, "0x0", lambda _h: b"")  # type: ignore[arg-type]
        e = OutboxEntry(1, Release(1, "0x" + "7a" * 20, LOCKS[lock_index], 7, 100), b"", 0)
        return ps._released_on_chain(5, LOCKS, e)
    finally:
        db.close()


@pytest.mark.parametrize(
    ("status", "next_lock", "seized", "released"),
    [
        (ACTIVE, 0, set(), [False] * 4),  # nothing released yet: a first Release
        (RELEASED, 0, set(), [True] * 4),  # released whole
        # lock 0 skipped, lock 1 asked for (pending or executed); 2 and 3 not reached
        (SEIZING, 2, {1}, [True, False, False, False]),
        # then lock 2 seized and the seizure closed: 3 released by the close
        (SEIZED, 3, {1, 2}, [True, False, False, True]),
    ],
)
def test_a_portfolio_release_is_a_reissue_only_if_the_contract_released_the_lock(
    tmp_path: Path, status: int, next_lock: int, seized: set[int], released: list[bool]
) -> None:
    credit = Credit(status, next_lock, seized)
    assert [released_on_chain(tmp_path, credit, i) for i in range(4)] == released
