"""prove_lock: valid proofs (current and past roots) and every refusal, with its error class."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from tests.vault.crash_child import make_locks
from zkcollat.errors import KeyFormatError, ProvingError, VaultError
from zkcollat.groth16.keys import ProvingKey, VerifyingKey
from zkcollat.groth16.setup import setup
from zkcollat.groth16.verify import verify
from zkcollat.relayer.prover import prove_lock
from zkcollat.statements import CollateralLock
from zkcollat.vault import Lock, Vault
from zkcollat.vault.errors import (
    ExpiryTooEarly,
    LockRefused,
    ThresholdAboveAmount,
    UnknownLockError,
    WrongDestination,
)

DEPTH = 4


@pytest.fixture(scope="module")
def keys() -> Iterator[tuple[Any, ProvingKey, VerifyingKey]]:
    cs = CollateralLock(DEPTH).compile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk, vk = setup(cs, seed=b"tests/vault/test_prover")
    yield cs, pk, vk


@pytest.fixture
def vault() -> Vault:
    v = Vault(DEPTH)
    v.insert_many(make_locks(0, 5), block_number=1)
    v.insert_many(make_locks(5, 4), block_number=2)
    return v


def test_valid_proof_and_public_signals(keys: Any, vault: Vault) -> None:
    cs, pk, vk = keys
    lk = vault.get_lock(4)
    proof, typed = prove_lock(vault, 4, lk.amount, lk.expiry, pk=pk, cs=cs,
                              dest_chain_id=lk.dest_chain_id, owner=lk.owner)
    public = typed.to_list()
    assert public == [vault.root, lk.dest_chain_id, lk.owner, lk.asset_id, 4, lk.amount, lk.expiry]
    assert verify(vk, public, proof)
    # the relayer's claim is what is proven: another threshold or root is rejected
    assert not verify(vk, [*public[:5], lk.amount - 1, lk.expiry], proof)
    assert not verify(vk, [vault.root_at(5), *public[1:]], proof)


def test_proof_against_a_past_root(keys: Any, vault: Vault) -> None:
    cs, pk, vk = keys
    lk = vault.get_lock(2)
    proof, typed = prove_lock(vault, 2, 1, 0, pk=pk, cs=cs, dest_chain_id=lk.dest_chain_id,
                              size=5)
    public = typed.to_list()
    assert public[0] == vault.block_root(1).root == vault.root_at(5) != vault.root
    assert verify(vk, public, proof)
    with pytest.raises(UnknownLockError, match="5 locks at the requested size"):
        prove_lock(vault, 6, 1, 0, pk=pk, cs=cs, dest_chain_id=1, size=5)
    with pytest.raises(UnknownLockError, match="size 10"):
        prove_lock(vault, 2, 1, 0, pk=pk, cs=cs, dest_chain_id=1, size=10)


def test_deterministic_with_fixed_blinding(keys: Any, vault: Vault) -> None:
    cs, pk, _ = keys
    lk = vault.get_lock(1)
    args = dict(pk=pk, cs=cs, dest_chain_id=lk.dest_chain_id, blinding=(5, 7))
    assert prove_lock(vault, 1, 10, 10, **args) == prove_lock(vault, 1, 10, 10, **args)  # type: ignore[arg-type]


def test_default_cs_is_the_vaults_depth(keys: Any, vault: Vault) -> None:
    _, pk, vk = keys
    lk = vault.get_lock(0)
    proof, public = prove_lock(vault, 0, 1, 1, pk=pk, dest_chain_id=lk.dest_chain_id)
    assert verify(vk, public.to_list(), proof)


@pytest.mark.parametrize(
    ("lock_id", "threshold", "min_expiry", "dest", "owner", "exc", "message"),
    [
        (3, 10**18 + 21 + 1, 0, None, None, ThresholdAboveAmount, "above lock 3's amount"),
        (3, 1 << 128, 0, None, None, ThresholdAboveAmount, "threshold = .* 2\\^128"),
        (3, -1, 0, None, None, ThresholdAboveAmount, "threshold = -1"),
        (3, 1, 1_900_000_003 + 1, None, None, ExpiryTooEarly, "before the requested minExpiry"),
        (3, 1, 1 << 64, None, None, ExpiryTooEarly, "minExpiry = .* 2\\^64"),
        (3, 1, 0, 999, None, WrongDestination, "destination chain 1, not the expected chain 999"),
        (3, 1, 0, None, 0xBAD, WrongDestination, "not the expected owner"),
        (9, 1, 0, None, None, UnknownLockError, "lock 9 is not in the vault"),
        (-1, 1, 0, None, None, UnknownLockError, "lock -1"),
        (True, 1, 0, None, None, UnknownLockError, "lock True"),
    ],
)
def test_refusals(keys: Any, vault: Vault, lock_id: Any, threshold: int, min_expiry: int,
                  dest: int | None, owner: int | None, exc: type[Exception], message: str) -> None:
    cs, pk, _ = keys
    dest_chain_id = 1 if dest is None else dest  # lock 3 has destChainId 1 + 3 % 3 = 1
    with pytest.raises(exc, match=message) as e:
        prove_lock(vault, lock_id, threshold, min_expiry, pk=pk, cs=cs,
                   dest_chain_id=dest_chain_id, owner=owner)
    assert isinstance(e.value, VaultError) and isinstance(e.value, ProvingError)
    if exc is not UnknownLockError:
        assert isinstance(e.value, LockRefused)


def test_wrong_circuit_or_key(keys: Any, vault: Vault) -> None:
    cs, pk, _ = keys
    with pytest.raises(ProvingError, match="CollateralLock\\(4\\) inputs"):
        prove_lock(vault, 0, 1, 1, pk=pk, cs=CollateralLock(5).compile(), dest_chain_id=1)
    other = Vault(5)
    other.append(Lock(0, 1, 1, 1, 1, 1))
    with pytest.raises(KeyFormatError, match="another circuit"):
        prove_lock(other, 0, 1, 1, pk=pk, dest_chain_id=1)
