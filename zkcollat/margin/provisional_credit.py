"""A lock report as the venue keeps it (:class:`ProvisionalCredit`), with its row and JSON
forms; the rules that make and resolve one are :mod:`zkcollat.margin.provisional`'s."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkcollat.margin.collateral import CreditKey


@dataclass(frozen=True)
class ProvisionalCredit:
    source_chain_id: int
    vault: str
    lock_id: int
    account: str  # the reported owner
    asset_id: int
    amount: int  # asset base units, as the Locked event carries it
    expiry: int
    block_number: int  # the source block the members read it in
    block_hash: bytes
    reported_at: int
    deadline: int  # reported_at + verification_window_s
    valid_until: int  # expiry - liquidation_window_s
    signers: tuple[str, ...]
    status: str = "active"  # active | confirmed | lapsed | contradicted | reorged
    resolved_at: int | None = None

    @property
    def key(self) -> CreditKey:
        return self.source_chain_id, self.vault, self.lock_id

    def counts_at(self, now: int) -> bool:
        return self.status == "active" and now < min(self.deadline, self.valid_until)

    def to_json(self) -> dict[str, Any]:
        return {
            "sourceChainId": str(self.source_chain_id),
            "vault": self.vault,
            "lockId": str(self.lock_id),
            "account": self.account,
            "assetId": f"{self.asset_id:#042x}",
            "amount": str(self.amount),
            "expiry": str(self.expiry),
            "blockNumber": str(self.block_number),
            "blockHash": "0x" + self.block_hash.hex(),
            "reportedAt": str(self.reported_at),
            "deadline": str(self.deadline),
            "validUntil": str(self.valid_until),
            "signers": list(self.signers),
            "status": self.status,
        }


def to_row(p: ProvisionalCredit) -> tuple[Any, ...]:
    return (
        str(p.source_chain_id),
        p.vault,
        str(p.lock_id),
        p.account,
        f"{p.asset_id:#042x}",
        str(p.amount),
        str(p.expiry),
        str(p.block_number),
        "0x" + p.block_hash.hex(),
        str(p.reported_at),
        str(p.deadline),
        str(p.valid_until),
        json.dumps(list(p.signers)),
        p.status,
        None if p.resolved_at is None else str(p.resolved_at),
    )


def from_row(row: Sequence[Any]) -> ProvisionalCredit:
    (
        chain,
        vault,
        lock,
        acct,
        asset,
        amount,
        expiry,
        block,
        bhash,
        at,
        deadline,
        valid,
        signers,
        status,
        resolved,
    ) = row
    return ProvisionalCredit(
        int(chain),
        vault,
        int(lock),
        acct,
        int(asset, 16),
        int(amount),
        int(expiry),
        int(block),
        bytes.fromhex(bhash[2:]),
        int(at),
        int(deadline),
        int(valid),
        tuple(json.loads(signers)),
        status,
        None if resolved is None else int(resolved),
    )
