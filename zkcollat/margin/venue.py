"""The venue: a central limit order book per listed option, a ledger that conserves money,
pre-trade margin for both sides of every trade, collateral credited from proven locks,
liquidation with an insurance fund and auto-deleveraging, settlement at expiry, and
provisional credit from committee lock reports until their proofs arrive.

The rooms, each in its module: ``book`` (the matching engine), ``ledger`` (cash, positions,
the conservation check), ``risk`` (requirements), ``collateral`` and ``credits`` (locks as
margin, releases), ``portfolio_credits`` and ``portfolio_desk`` (many locks credited by one
Portfolio proof), ``provisional`` (lock reports as capped, short-lived credit), ``trading``
(signed orders), ``liquidation``, ``settlement``, ``oracle``, and ``store`` (all of the
SQL); ``core`` holds the state and the event they share.

    venue = Venue.create("venue.sqlite", cfg, signer_key, committee=committee, now=t)
    venue = Venue.open("venue.sqlite", cfg, signer_key)        # refuses a non-venue file
    venue.list_instrument(OptionSpec("ETH", expiry, 2800 * E8, "P"), now=t)   # operator
    venue.set_market("ETH", spot_e8, iv_bps, now=t)                            # oracle
    venue.deposit(account, amount_e6, now=t)                                   # bridge
    venue.credit(account, proof, public, now=t)                                # relayer
    venue.credit_portfolio(account, proof, claim, lock_assets, now=t)          # relayer
    venue.report_lock(signed_lock_report, now=t); venue.resolve_reports(now=t) # relayer, keeper
    venue.place(sign(key, Order(...), venue.domain), now=t)                    # the account
    venue.liquidate(account, now=t); venue.settle(now=t)                       # keepers
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.portfolio_credits import StatementCheck, statement_check
from zkcollat.margin.provisional import ProvisionalDesk
from zkcollat.margin.store import Store


class Venue(ProvisionalDesk):
    """The options venue of one execution chain: accounts, credits of proven locks, the order
    books, margin, liquidation and settlement, persisted in one SQLite store."""

    @classmethod
    def create(cls, path: str | Path, config: VenueConfig, signer: PrivateKey, **kw: Any) -> Venue:
        """A new venue in a file that does not exist yet (or ``":memory:"``)."""
        kw.setdefault("portfolio_check", portfolio_check_of(config))
        return cls(Store.create(path), config, signer, **kw)

    @classmethod
    def open(cls, path: str | Path, config: VenueConfig, signer: PrivateKey, **kw: Any) -> Venue:
        """An existing venue; an empty or foreign file is refused (NotAVenueError)."""
        kw.setdefault("portfolio_check", portfolio_check_of(config))
        return cls(Store.open(path), config, signer, **kw)


def portfolio_check_of(config: VenueConfig) -> StatementCheck | None:
    """The Portfolio check of the config's ``portfolio_verifying_keys`` (None without any: such
    a venue credits no portfolio). ``Venue.create`` and ``Venue.open`` use it unless given a
    ``portfolio_check``."""
    return statement_check(config.portfolio_keys) if config.portfolio_keys else None
