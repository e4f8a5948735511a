"""What one pass of ``zkcollat margin sync`` did (:class:`SyncReport`), and the error that
stops it (:class:`SyncError`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from zkcollat.chain.errors import ChainError


class SyncError(ChainError):
    """The venue and the chain disagree in a way a pass cannot settle: an operator must look."""


@dataclass
class SyncReport:
    roots: int = 0
    credits: int = 0
    deposits: int = 0
    sent: list[str] = field(default_factory=list)
    seizes_booked: int = 0
    #: portfolio credits replayed into the venue
    portfolios: int = 0
    #: Seizes and Releases issued again (their deadline passed on the source chain before they
    #: executed)
    reissued: int = 0
    releases_reissued: int = 0
    #: approveWithdrawal transactions sent (hashes) and accounts whose new withdrawals wait
    #: until their outstanding allowance is used
    withdrawals: list[str] = field(default_factory=list)
    withdrawals_waiting: list[str] = field(default_factory=list)
    #: lock reports: taken by the venue, stopped (their block left the chain), short of the
    #: threshold, refused (why); reports resolved by the keeper pass (lock: status) and the
    #: accounts liquidated after losing one
    reports: int = 0
    reports_reorged: int = 0
    reports_waiting: int = 0
    reports_refused: list[str] = field(default_factory=list)
    reports_resolved: list[str] = field(default_factory=list)
    liquidated: list[str] = field(default_factory=list)
    #: lock reports given up (after the retry policy's limit), all of them: tx:logIndex,
    #: attempts, last reason; those given up in this pass raised a ``report_failed`` alarm
    reports_failed: list[str] = field(default_factory=list)
    #: the sync store's alarms raised in this pass: (kind, detail)
    alarms: list[tuple[str, str]] = field(default_factory=list)
