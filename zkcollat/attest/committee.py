"""The attesting committee: members' addresses, a threshold, and an epoch for rotation.

A committee refuses weak settings: a threshold below 2 (one key compromises the venue) or not
a strict majority of the members (two disjoint quorums could attest two different roots).
``development=True`` lifts both, for tests and local runs only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zkcollat.attest.eip712 import normalize_address
from zkcollat.attest.errors import CommitteeConfigError, WeakCommitteeError
from zkcollat.errors import EncodingError


@dataclass(frozen=True)
class Committee:
    epoch: int
    members: tuple[str, ...]
    threshold: int
    development: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.epoch, bool) or not isinstance(self.epoch, int) or self.epoch < 0:
            raise CommitteeConfigError(
                f"committee epoch = {self.epoch!r} is not a non-negative integer"
            )
        try:
            members = tuple(
                normalize_address(m, f"member[{i}]") for i, m in enumerate(self.members)
            )
        except EncodingError as e:
            raise CommitteeConfigError(str(e)) from e
        if not members:
            raise CommitteeConfigError("committee has no members")
        if len(set(members)) != len(members):
            dup = next(m for m in members if members.count(m) > 1)
            raise CommitteeConfigError(f"committee member {dup} is listed twice")
        object.__setattr__(self, "members", members)
        t = self.threshold
        if isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= len(members):
            raise CommitteeConfigError(
                f"committee threshold = {t!r} must be between 1 and the {len(members)} members"
            )
        if not self.development:
            if t < 2:
                raise WeakCommitteeError(
                    f"committee threshold = {t} is below 2: one key would decide "
                    "(set development=True only for tests)"
                )
            if 2 * t <= len(members):
                raise WeakCommitteeError(
                    f"committee threshold = {t} of {len(members)} members is not a strict majority "
                    "(set development=True only for tests)"
                )

    def is_member(self, address: str) -> bool:
        return address in self.members

    def to_json(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "members": list(self.members),
            "threshold": self.threshold,
            "development": self.development,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Committee:
        try:
            members: Sequence[str] = d["members"]
            return cls(
                int(d["epoch"]),
                tuple(members),
                int(d["threshold"]),
                bool(d.get("development", False)),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise CommitteeConfigError(f"malformed committee JSON: {e}") from e
