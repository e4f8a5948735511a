"""The library face (zkcollat.api): a lock proven from a vault, written and read back as files,
its root attested and accepted, the proof verified and credited — all through the exported
names, with the real Groth16 prover and verifier on a small tree."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from tests.margin.helpers import (
    ALICE,
    COMMITTEE_KEYS,
    DAY,
    EXEC_CHAIN,
    NOW,
    REGISTRY,
    SRC,
    VAULT,
    WETH_INT,
    make_config,
    make_venue,
)
from zkcollat import api
from zkcollat.groth16.setup import setup
from zkcollat.statements import CollateralLock

DEPTH = 4


def test_prove_attest_verify_credit_through_the_api(tmp_path: Path) -> None:
    vault = api.Vault(DEPTH)
    for i in range(3):
        owner = int(ALICE, 16) if i == 1 else 0xB0B + i
        lock = api.Lock(i, owner, EXEC_CHAIN, WETH_INT, 10 * 10**18, NOW + 90 * DAY)
        vault.insert(lock, block_number=100)
    cs = CollateralLock(DEPTH).compile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # development keys warn, as they should
        pk, vk = setup(cs, seed=b"tests/test_api")
    proof, public = api.prove_lock(
        vault, 1, 8 * 10**18, NOW + 60 * DAY, pk=pk, dest_chain_id=EXEC_CHAIN,
        owner=int(ALICE, 16), cs=cs,
    )
    assert isinstance(public, api.CollateralLockPublic)
    assert (public.root, public.lockId, public.threshold) == (vault.root, 1, 8 * 10**18)
    with pytest.raises(api.ProvingError, match="destination chain"):
        api.prove_lock(vault, 1, 1, 1, pk=pk, dest_chain_id=EXEC_CHAIN + 1, cs=cs)

    api.write_proof(tmp_path / "proof.json", tmp_path / "public.json", proof, public)
    proof2, public2 = api.read_proof(tmp_path / "proof.json", tmp_path / "public.json")
    assert (proof2, public2) == (proof, public)
    assert api.verify(vk, public2, proof2)
    assert api.verify(vk, public2.to_list(), proof2)
    tampered = api.CollateralLockPublic(**{**public.to_dict(), "threshold": 9 * 10**18})
    assert not api.verify(vk, tampered, proof)
    with pytest.raises(api.VerificationError, match="pairing"):
        api.verify_or_raise(vk, tampered, proof)
    # many proofs of one key at once: every invalid one named, typed or plain signals
    batch = api.verify_batch(vk, [(public, proof), (tampered, proof), (public.to_list(), proof)])
    assert isinstance(batch, api.BatchResult) and not batch.all_valid
    assert list(batch.invalid) == [1] and batch.n_proofs == 3
    assert api.verify_batch(vk, [(public2, proof2)] * 2).all_valid
    malformed = api.verify_batch(vk, [(public, proof), ("not a pair",)])  # type: ignore[list-item]
    assert list(malformed.invalid) == [1]

    venue, _ = make_venue(make_config(verifying_key=vk), real_verifier=True)
    signed = api.attest(
        api.RootAttestation(SRC, VAULT, 100, vault.root, NOW - 30),
        chain_id=EXEC_CHAIN, registry=REGISTRY, keys=COMMITTEE_KEYS[:2],
    )
    with pytest.raises(api.AttestationError):
        api.accept_root(
            venue.registry,
            api.attest(
                api.RootAttestation(SRC, VAULT, 101, vault.root, NOW - 30),
                chain_id=EXEC_CHAIN + 1, registry=REGISTRY, keys=COMMITTEE_KEYS[:2],
            ),
            now=NOW,
        )
    accepted = api.accept_root(venue.registry, signed, now=NOW)
    assert accepted.root == vault.root
    venue.set_asset_price(SRC, "0x" + "c0" * 20, 3000 * 10**8, now=NOW)
    venue.open_account(ALICE, now=NOW)
    credit = api.credit(venue, ALICE, proof2, public2, now=NOW)
    assert isinstance(credit, api.Credit) and credit.threshold == 8 * 10**18
    with pytest.raises(api.CreditError, match="already credited"):
        api.credit(venue, ALICE, proof2, public2, now=NOW)


def test_the_api_exports_what_it_documents() -> None:
    for name in api.__all__:
        obj = getattr(api, name)
        assert getattr(obj, "__doc__", None), f"zkcollat.api.{name} has no docstring"


@pytest.mark.slow
def test_api_reference_is_generated(tmp_path: Path) -> None:
    import subprocess

    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        ["bash", str(root / "docs" / "make-api-reference.sh"), str(tmp_path)], check=True,
        capture_output=True,
    )
    page = (tmp_path / "zkcollat" / "api.html").read_text()
    for name in ("prove_lock", "verify", "attest", "accept_root", "credit", "read_proof"):
        assert f'id="{name}"' in page, name
