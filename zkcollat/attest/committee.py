"""The attesting committee: members' addresses, a threshold, and an epoch for rotation.

A committee refuses weak settings: a threshold below 2 (one key compromises the venue) or not
a strict majority of the members (two disjoint quorums could attest two different roots).
``development=True`` lifts both, for tests and local runs only, and every committee built with
it is announced (:class:`DevelopmentCommitteeWarning`; the command line prints it once per
command on stderr). The zero address is never a member (``ecrecover`` returns it for a
malformed signature on chain), development or not.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import InitVar, dataclass
from typing import Any

from zkcollat.attest.eip712 import ZERO_ADDRESS, normalize_address
from zkcollat.attest.errors import CommitteeConfigError, WeakCommitteeError
from zkcollat.errors import EncodingError


class DevelopmentCommitteeWarning(UserWarning):
    """A committee marked development was loaded: its threshold may let one key decide."""


warnings.simplefilter("always", DevelopmentCommitteeWarning)


@dataclass(frozen=True)
class Committee:
    """``threshold`` of ``members`` sign for ``epoch``. ``announce=False`` (internal: a
    committee rebuilt from a store that announced it already) skips the development warning."""

    epoch: int
    members: tuple[str, ...]
    threshold: int
    development: bool = False
    announce: InitVar[bool] = True

    def __post_init__(self, announce: bool) -> None:
        if isinstance(self.epoch, bool) or not isinstance(self.epoch, int) or not (
            0 <= self.epoch < 2**64
        ):
            raise CommitteeConfigError(
                f"committee epoch = {self.epoch!r} is not a uint64 (0 .. 2^64 - 1)"
            )
        try:
            members = tuple(
                normalize_address(m, f"member[{i}]") for i, m in enumerate(self.members)
            )
        except EncodingError as e:
            raise CommitteeConfigError(str(e)) from e
        if not members:
            raise CommitteeConfigError("committee has no members")
        if ZERO_ADDRESS in members:
            raise CommitteeConfigError(
                f"committee member[{members.index(ZERO_ADDRESS)}] is the zero address, which "
                "signs nothing (ecrecover returns it for an invalid signature)"
            )
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
        if self.development and announce:
            warnings.warn(
                f"development committee (epoch {self.epoch}): {t} of {len(members)} members, "
                "marked for tests and local runs only"
                + ("; its threshold is below 2 or not a strict majority, so a minority of keys "
                   "can attest any root" if t < 2 or 2 * t <= len(members) else ""),
                DevelopmentCommitteeWarning,
                stacklevel=3,
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
            development = d.get("development", False)
            if not isinstance(development, bool):
                raise CommitteeConfigError(
                    f"committee development = {development!r} is not true or false"
                )
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                raise CommitteeConfigError("committee members must be a list of address strings")
            return cls(
                _count(d["epoch"], "epoch"),
                tuple(members),
                _count(d["threshold"], "threshold"),
                development,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise CommitteeConfigError(f"malformed committee JSON: {e}") from e


def _count(value: object, name: str) -> int:
    """A non-negative JSON integer (or its decimal string) below 2^64."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise CommitteeConfigError(f"committee {name} = {value!r} is not a uint64")
    return value
