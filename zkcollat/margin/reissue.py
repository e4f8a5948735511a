"""Messages to the vaults that expired unexecuted are issued again, and Releases are marked
executed when the vault reports them.

A Release or Seize carries a deadline that the vault checks against the source chain's clock.
One whose deadline has passed there before it was executed can never execute: the venue signs
it again with a fresh vault nonce and deadline, the same lock (and, for a Seize, the same
amount and fund claim), in the same outbox entry, which goes out again (the credit contract's
``reissueSeize``/``reissueRelease`` or their portfolio forms, sent by ``margin sync``). The
vault executes at most one Seize or Release per lock, so an old message and its re-issue never
both take effect; the money of a Seize is booked once, from the ``Seized`` event the vault
emits for whichever executed. A Release moves no money on the venue's books (the credit was
given up when it was issued): its executed mark only tells the sync there is nothing left to
issue again (:meth:`ReissueDesk.release_executed`).
"""

from __future__ import annotations

import json

from zkcollat.margin import errors as E
from zkcollat.margin.liquidation import LiquidationDesk
from zkcollat.margin.messages import OutboxEntry, Release, Seize, VaultMessage, sign_message


class ReissueDesk(LiquidationDesk):
    def reissue_seize(self, entry_id: int, *, source_time: int, now: int) -> OutboxEntry:
        """Issue again a Seize that was never executed and whose deadline has passed on the
        source chain: the same lock, amount and fund claim, a fresh nonce and deadline, in the
        same outbox entry (unsent again). ``source_time`` is the time of a source block at
        confirmation depth up to which the vault's ``Seized`` events were all read: the old
        message can no longer execute, and the vault executes one Seize or Release per lock,
        so the two never both pay."""
        return self._reissue(entry_id, "Seize", source_time, now)

    def reissue_release(self, entry_id: int, *, source_time: int, now: int) -> OutboxEntry:
        """Issue again a Release that was never executed and whose deadline has passed on the
        source chain (``source_time`` as for :meth:`reissue_seize`, with every ``Released``
        event up to it read): the same lock, a fresh nonce and deadline, in the same outbox
        entry (unsent again)."""
        return self._reissue(entry_id, "Release", source_time, now)

    def release_executed(self, entry_id: int, *, now: int) -> bool:
        """The source chain executed this Release; False if it was marked so already (a
        replayed event)."""
        rows = [r for r in self.store.outbox(False) if r[0] == entry_id]
        if not rows or rows[0][1] != "Release":
            raise E.UnknownCreditError(f"outbox entry {entry_id} is not a Release")
        if rows[0][8] is not None:
            return False
        with self.event("release-executed", now, {"outbox": entry_id}):
            if not self.store.mark_outbox(entry_id, "executed_at", now):
                raise E.UnknownCreditError(f"Release {entry_id} was already marked executed")
        return True

    def _reissue(self, entry_id: int, kind: str, source_time: int, now: int) -> OutboxEntry:
        rows = [r for r in self.store.outbox(False) if r[0] == entry_id]
        if not rows or rows[0][1] != kind:
            raise E.UnknownCreditError(f"outbox entry {entry_id} is not a {kind}")
        if rows[0][8] is not None:
            raise E.AccountError(f"{kind} {entry_id} was executed: nothing to issue again")
        raw = json.loads(rows[0][2])
        if source_time <= int(raw["deadline"]):
            raise E.AccountError(
                f"{kind} {entry_id}'s deadline {raw['deadline']} has not passed on the source "
                f"chain (its time there: {source_time})"
            )
        chain, vault, lock_id = int(raw["sourceChainId"]), raw["vault"], int(raw["lockId"])
        ttl = self.config.liquidation.message_ttl_s
        with self.event(f"{kind.lower()}-reissued", now, {"outbox": entry_id, "old": raw}):
            nonce = self.store.next_vault_nonce(chain, vault)
            msg: VaultMessage = (
                Seize(chain, vault, lock_id, int(raw["amount"]), nonce, now + ttl)
                if kind == "Seize"
                else Release(chain, vault, lock_id, nonce, now + ttl)
            )
            sig = sign_message(self.signer, msg)
            if not self.store.reissue_outbox(entry_id, kind, msg.message(), sig):
                raise E.AccountError(f"{kind} {entry_id} was executed: nothing to issue again")
        return OutboxEntry(entry_id, msg, sig, int(rows[0][6]))
