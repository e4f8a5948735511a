"""The generated verifiers compiled with solc 0.8.30 and run in revm (pyrevm).

What must be rejected is listed here: public inputs >= r (x + r, r, 2^256 - 1) and changed;
proof words >= p (w + p, p, 2^256 - 1), changed, off the curve, B outside G2; the proof of
another key; truncated calldata. A rejection is ``false`` returned, never a revert, except
for calldata shorter than the arguments, which the ABI decoder refuses (revert).
"""

from __future__ import annotations

import pytest

from tests.solidity.conftest import CASE_NAMES, COLLATERAL_VALUES, FILE_CASES_7, Deployed
from tests.solidity.synthetic import Case, twist_point_outside_g2
from tests.vectors import load
from zkcollat.curve import G1_GENERATOR, G2_GENERATOR, G1Point, G2Point, get_backend
from zkcollat.curve.points import g1_from_bytes, g2_from_bytes
from zkcollat.field import P, R
from zkcollat.groth16.keys import Proof
from zkcollat.groth16.verify import verify
from zkcollat.solidity.calldata import (
    VERIFY_COLLATERAL_LOCK_SIGNATURE,
    collateral_lock_public,
    encode_words,
    keccak256,
    selector,
    verify_collateral_lock_calldata,
    verify_proof_calldata,
    verify_proof_signature,
)
from zkcollat.solidity.evm import CallResult

U256_MAX = (1 << 256) - 1


def proof_words(case: Case) -> list[int]:
    (bx1, bx0), (by1, by0) = case.proof.b.to_evm()
    return [*case.proof.a.to_evm(), bx1, bx0, by1, by0, *case.proof.c.to_evm()]


def call_words(d: Deployed, addr: str, words: list[int], public: list[int]) -> CallResult:
    data = selector(verify_proof_signature(len(public))) + encode_words([*words, *public])
    return d.evm.call(addr, data)


def verdict(d: Deployed, addr: str, words: list[int], public: list[int]) -> bool:
    """The contract's answer; a revert here is a test failure (bad proofs return false)."""
    res = call_words(d, addr, words, public)
    assert res.success, f"verifyProof reverted ({res.reason}) instead of returning false"
    return res.as_bool()


def field_mutants(value: int, modulus: int) -> list[int]:
    """Out-of-range and changed versions of a word: v+1, v-1 (mod m), v + m, m, 2^256 - 1."""
    out = [(value + 1) % modulus, (value - 1) % modulus, modulus, U256_MAX]
    if value + modulus <= U256_MAX:
        out.append(value + modulus)
    return out


# --- compilation ------------------------------------------------------------------------------


def test_sources_compile_with_solc_0_8_30_without_warnings(deployed: Deployed) -> None:
    assert deployed.compilation.compiler_version.startswith("0.8.30+")
    assert deployed.compilation.warnings == []


def test_selectors_match_the_compiled_abi(deployed: Deployed) -> None:
    for name, case in deployed.cases.items():
        ids = deployed.compilation[f"Verifier_{name}"].method_ids
        sig = verify_proof_signature(case.vk.n_public)
        assert ids[sig] == selector(sig).hex()
    lock = deployed.compilation["CollateralLock_collateral7"].method_ids
    sig = VERIFY_COLLATERAL_LOCK_SIGNATURE
    assert lock[sig] == selector(sig).hex()


# --- valid proofs -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASE_NAMES)
def test_valid_proof_verifies(deployed: Deployed, name: str) -> None:
    case = deployed.cases[name]
    res = deployed.evm.call(deployed.verifier[name], verify_proof_calldata(case.proof, case.public))
    assert res.as_bool() is True


# --- public inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASE_NAMES)
def test_each_public_input_changed_or_out_of_range_is_rejected(
    deployed: Deployed, name: str
) -> None:
    case = deployed.cases[name]
    words, addr = proof_words(case), deployed.verifier[name]
    for i, x in enumerate(case.public):
        for bad in field_mutants(x, R):
            public = list(case.public)
            public[i] = bad
            assert verdict(deployed, addr, words, public) is False, (i, bad)


# --- proof coordinates ------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASE_NAMES)
def test_each_proof_word_changed_or_out_of_range_is_rejected(deployed: Deployed, name: str) -> None:
    case = deployed.cases[name]
    words, addr = proof_words(case), deployed.verifier[name]
    for j, w in enumerate(words):
        for bad in [*field_mutants(w, P), 0]:
            mutated = list(words)
            mutated[j] = bad
            assert verdict(deployed, addr, mutated, list(case.public)) is False, (j, bad)


def test_points_off_their_curve_or_outside_g2_are_rejected(deployed: Deployed) -> None:
    case = deployed.cases["collateral7"]
    words, addr, public = proof_words(case), deployed.verifier["collateral7"], list(case.public)
    outside = twist_point_outside_g2()
    (ox1, ox0), (oy1, oy0) = outside.to_evm()
    (gx1, gx0), (gy1, gy0) = G2_GENERATOR.to_evm()
    bad_proofs = {
        "A off curve (1, 3)": [1, 3, *words[2:]],
        "C off curve (1, 3)": [*words[:6], 1, 3],
        "B off the twist": [*words[:5], (words[5] + 1) % P, *words[6:]],
        "B on the twist, outside G2": [*words[:2], ox1, ox0, oy1, oy0, *words[6:]],
        "A the identity": [0, 0, *words[2:]],
        "B the identity": [*words[:2], 0, 0, 0, 0, *words[6:]],
        "A and C swapped": [*words[6:], *words[2:6], *words[:2]],
        "B the generator": [*words[:2], gx1, gx0, gy1, gy0, *words[6:]],
        "A = G1 generator": [G1_GENERATOR.x, G1_GENERATOR.y, *words[2:]],
        # snarkjs's verifier negates A.y as (q - y) mod q without a range check, so it accepts
        # this second encoding of A; ours checks y < p.
        "A.y aliased mod p": [words[0], (words[1] + (1 << 256)) % P + P, *words[2:]],
    }
    for label, mutated in bad_proofs.items():
        assert verdict(deployed, addr, mutated, public) is False, label


# --- keys and calldata ----------------------------------------------------------------------------


def test_the_proof_of_another_key_is_rejected(deployed: Deployed) -> None:
    for prover, verifier in (("collateral7", "other7"), ("other7", "collateral7")):
        case = deployed.cases[prover]
        data = verify_proof_calldata(case.proof, case.public)
        assert deployed.evm.call(deployed.verifier[verifier], data).as_bool() is False
        assert deployed.evm.call(deployed.collateral[verifier], data).as_bool() is False


@pytest.mark.parametrize("name", CASE_NAMES)
def test_truncated_calldata_reverts(deployed: Deployed, name: str) -> None:
    case = deployed.cases[name]
    data = verify_proof_calldata(case.proof, case.public)
    for cut in (0, 3, 4, 4 + 32, 4 + 8 * 32, len(data) - 32, len(data) - 1):
        res = deployed.evm.call(deployed.verifier[name], data[:cut])
        assert not res.success and res.output == b"", cut
    # Bytes past the arguments are not part of any argument: the answer does not change.
    assert deployed.evm.call(deployed.verifier[name], data + b"\x01" * 32).as_bool() is True


# --- CollateralLockVerifier -----------------------------------------------------------------------


def test_collateral_lock_verifier_takes_named_inputs(deployed: Deployed) -> None:
    case, addr = deployed.cases["collateral7"], deployed.collateral["collateral7"]
    assert collateral_lock_public(COLLATERAL_VALUES) == list(case.public)
    named = verify_collateral_lock_calldata(case.proof, COLLATERAL_VALUES)
    assert deployed.evm.call(addr, named).as_bool() is True
    # The same contract also offers snarkjs's verifyProof.
    positional = verify_proof_calldata(case.proof, case.public)
    assert deployed.evm.call(addr, positional).as_bool() is True


@pytest.mark.parametrize("name", FILE_CASES_7)
def test_collateral_lock_verifier_on_vector_files(deployed: Deployed, name: str) -> None:
    """Every 7-input vector file (the real CollateralLock(20) proof among them), by name."""
    case = deployed.cases[name]
    named = dict(zip(COLLATERAL_VALUES, case.public, strict=True))
    addr = deployed.collateral[name]
    assert deployed.evm.call(addr, verify_collateral_lock_calldata(case.proof, named)).as_bool()
    named["threshold"] ^= 1  # another in-range threshold
    data = verify_collateral_lock_calldata(case.proof, named)
    assert deployed.evm.call(addr, data).as_bool() is False


def test_collateral_lock_public_signals_orders_the_named_inputs(deployed: Deployed) -> None:
    case, addr = deployed.cases["collateral7"], deployed.collateral["collateral7"]
    sig = "publicSignals(uint256,uint64,address,address,uint64,uint128,uint64)"
    res = deployed.evm.call(addr, selector(sig) + encode_words(list(COLLATERAL_VALUES.values())))
    out = [int.from_bytes(res.output[i : i + 32], "big") for i in range(0, len(res.output), 32)]
    assert res.success and out == list(case.public)


def test_collateral_lock_changed_or_out_of_range_inputs_are_rejected(deployed: Deployed) -> None:
    case, addr = deployed.cases["collateral7"], deployed.collateral["collateral7"]
    sel = selector(VERIFY_COLLATERAL_LOCK_SIGNATURE)
    words = proof_words(case)
    bits = {"root": 256, "destChainId": 64, "owner": 160, "assetId": 160, "lockId": 64,
            "threshold": 128, "minExpiry": 64}
    for i, (name, value) in enumerate(COLLATERAL_VALUES.items()):
        public = list(case.public)
        # In range but changed: false.
        public[i] = value ^ 1
        res = deployed.evm.call(addr, sel + encode_words([*words, *public]))
        assert res.as_bool() is False, name
        if bits[name] == 256:
            # root >= r (including root + r, which would alias root): false.
            for bad in (R, value + R, U256_MAX):
                public[i] = bad
                res = deployed.evm.call(addr, sel + encode_words([*words, *public]))
                assert res.as_bool() is False, (name, bad)
        else:
            # Does not fit its Solidity type (would alias modulo 2^bits): the ABI decoder reverts.
            for bad in (value + (1 << bits[name]), U256_MAX):
                public[i] = bad
                res = deployed.evm.call(addr, sel + encode_words([*words, *public]))
                assert not res.success, (name, bad)
    for prefix in (0, 4, 4 + 8 * 32 + 6 * 32):
        named = verify_collateral_lock_calldata(case.proof, COLLATERAL_VALUES)
        assert not deployed.evm.call(addr, named[:prefix]).success


# --- agreement with the Python verifier ---------------------------------------------------------


@pytest.mark.parametrize("name", CASE_NAMES)
def test_python_and_solidity_verifiers_agree(deployed: Deployed, name: str) -> None:
    case = deployed.cases[name]
    words, public, addr = proof_words(case), list(case.public), deployed.verifier[name]
    (gx1, gx0), (gy1, gy0) = G2_GENERATOR.to_evm()
    vectors: list[tuple[list[int], list[int]]] = [
        (words, public),
        ([*words[6:], *words[2:6], *words[:2]], public),  # A and C swapped
        ([*words[:2], gx1, gx0, gy1, gy0, *words[6:]], public),  # another B in G2
        ([words[0], P - words[1], *words[2:]], public),  # -A
        ([words[0], words[1] + P, *words[2:]], public),  # A.y + p
        ([1, 3, *words[2:]], public),  # A off curve
    ]
    for i in range(len(public)):
        if i in (0, len(public) - 1):  # each needs a pairing in Python (~1 s): first and last
            changed = list(public)
            changed[i] = (changed[i] + 1) % R
            vectors.append((words, changed))
        over = list(public)
        over[i] += R
        vectors.append((words, over))
    for w, pub in vectors:
        assert verdict(deployed, addr, w, pub) is python_verdict(case, w, pub), (w, pub)


def python_verdict(case: Case, words: list[int], public: list[int]) -> bool:
    """zkcollat.groth16.verify on the same raw words (points built unchecked, as received)."""
    ax, ay, bx1, bx0, by1, by0, cx, cy = words
    proof = Proof(G1Point(ax, ay), G2Point((bx0, bx1), (by0, by1)), G1Point(cx, cy))
    return verify(case.vk, public, proof)


# --- the internal check, for contracts that inherit a verifier ----------------------------------


@pytest.mark.parametrize("name", CASE_NAMES)
def test_internal_check_agrees_and_leaves_solidity_memory_intact(
    deployed: Deployed, name: str
) -> None:
    case = deployed.cases[name]
    words, public = proof_words(case), list(case.public)
    sig = f"check(uint256[2],uint256[2][2],uint256[2],uint256[{len(public)}])"
    bad_public = list(public)
    bad_public[0] = (bad_public[0] + 1) % R
    for w, pub, want in (
        (words, public, True),
        (words, bad_public, False),
        ([*words[:7], words[7] + P], public, False),
        ([1, 3, *words[2:]], public, False),
    ):
        res = deployed.evm.call(deployed.harness[name], selector(sig) + encode_words([*w, *pub]))
        assert res.success and len(res.output) == 64
        assert res.output[31] == int(want), (w, pub)
        # keccak(abi.encode(before, later)) where both encode the same values: the check did
        # not move the free memory pointer onto live data nor overwrite it.
        before = encode_words([0x5EED, *pub])
        n = len(before)
        manual = encode_words([0x40, 0x60 + n, n]) + before + encode_words([n]) + before
        assert res.output[32:] == keccak256(manual)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_internal_call_of_verify_proof_returns_control(deployed: Deployed, name: str) -> None:
    case = deployed.cases[name]
    words, public = proof_words(case), list(case.public)
    sig = f"viaVerifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{len(public)}])"
    bad_public = list(public)
    bad_public[-1] = (bad_public[-1] + 1) % R
    for pub, want in ((public, True), (bad_public, False)):
        data = selector(sig) + encode_words([*words, *pub])
        res = deployed.evm.call(deployed.harness[name], data)
        assert res.success and res.output == encode_words([int(want), 0xBEEF])


# --- the pairing precompile against the Python pairing ------------------------------------------


def test_pairing_precompile_agrees_with_the_backend_on_eip197_vectors(deployed: Deployed) -> None:
    for vec in load("eip197_pairing.json")["vectors"]:
        data = bytes.fromhex(vec["input"])
        res = deployed.evm.call("0x" + "00" * 19 + "08", data)
        assert res.success and res.output == encode_words([int(vec["expected"])]), vec["name"]
        pairs = [
            (g1_from_bytes(data[i : i + 64]), g2_from_bytes(data[i + 64 : i + 192]))
            for i in range(0, len(data), 192)
        ]
        assert get_backend().pairing_check(pairs) is vec["expected"]


# --- gas of a failing precompile call ---------------------------------------------------------


def test_a_point_off_its_curve_costs_bounded_gas_not_the_whole_limit(deployed: Deployed) -> None:
    """A precompile call that fails consumes all the gas it was given: each call must be given
    exactly its EIP-1108 price, so an invalid proof costs about what a valid one costs and the
    gas used does not grow with the transaction's gas limit."""
    case = deployed.cases["collateral7"]
    words, addr, public = proof_words(case), deployed.verifier["collateral7"], list(case.public)
    valid = deployed.evm.call(addr, verify_proof_calldata(case.proof, case.public))
    assert valid.as_bool() is True
    off_curve = {
        "A off curve (1, 3)": [1, 3, *words[2:]],
        "C off curve (A.x, C.y)": [*words[:6], words[0], words[7]],
        "B off the twist": [*words[:5], (words[5] + 1) % P, *words[6:]],
    }
    for label, mutated in off_curve.items():
        for limit in (1_000_000, 10_000_000, 30_000_000):
            data = selector(verify_proof_signature(7)) + encode_words([*mutated, *public])
            res = deployed.evm.call(addr, data, gas=limit)
            assert res.success and res.as_bool() is False, (label, limit)
            # The failing pairing is charged its price (181,000 for 4 pairs), as the valid
            # proof's succeeding one is: the two differ by at most a few hundred gas.
            assert res.gas_used < valid.gas_used + 1_000, (label, limit, res.gas_used)
            assert res.gas_used < 400_000, (label, limit, res.gas_used)
