"""The generated PortfolioVerifier: a real Portfolio(20, 32, 4) proof, and a small synthetic key.

The real key and proof are verifier_contracts/test/fixtures/portfolio_20_32.json
(tests/contracts/make_portfolio_fixture.py made them). Gas figures are deterministic (one EVM,
one compiler), so the 400,000-gas target of Portfolio(20, 32) is a test, not a benchmark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.jstools import node_modules
from tests.solidity.synthetic import synthetic_case
from zkcollat.curve import Backend
from zkcollat.errors import SolidityError
from zkcollat.field import R
from zkcollat.formats.snarkjs import proof_from_json, public_from_json, vk_from_json
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.groth16.verify import verify
from zkcollat.solidity.calldata import encode_words, selector, verify_proof_calldata
from zkcollat.solidity.evm import LocalEvm
from zkcollat.solidity.portfolio import (
    generate_portfolio_verifier,
    portfolio_signature,
    verify_portfolio_calldata,
)
from zkcollat.solidity.solc import compile_sources
from zkcollat.statements import PortfolioPublic
from zkcollat.statements.portfolio import layout, word_bits

FIXTURE = (Path(__file__).resolve().parents[2] / "verifier_contracts" / "test" / "fixtures"
           / "portfolio_20_32.json")
GAS_TARGET = 400_000


@dataclass
class Deployed:
    evm: LocalEvm
    real: str  # address of the Portfolio(20, 32, 4) verifier
    small: str  # address of a k = 3, m = 2 verifier (synthetic key)
    vk: VerifyingKey
    proof: Proof
    public: PortfolioPublic
    small_proof: Proof
    small_public: PortfolioPublic


def small_public() -> PortfolioPublic:
    return PortfolioPublic(root=R - 1, destChainId=(1 << 64) - 1, owner=(1 << 160) - 1,
                           minExpiry=(1 << 64) - 1, lockIds=(0, (1 << 64) - 1, 0),
                           assetIds=((1 << 160) - 1, 0), thresholds=((1 << 128) - 1, 0))


@pytest.fixture(scope="module")
def deployed() -> Deployed:
    doc = json.loads(FIXTURE.read_text())
    st = doc["statement"]
    assert (st["slots"], st["assets"]) == (32, 4)
    vk = vk_from_json(doc["verification_key"])
    public = PortfolioPublic.from_list(public_from_json(doc["public"]), slots=32, assets=4)
    assert public.to_dict() == {k: [int(x) for x in v] if isinstance(v, list) else int(v)
                                for k, v in doc["values"].items()}
    sp = small_public()
    case = synthetic_case("portfolio verifier k=3 m=2", tuple(sp.to_list()))
    comp = compile_sources({
        "PortfolioVerifier.sol": generate_portfolio_verifier(vk, 32, 4),
        "Small.sol": generate_portfolio_verifier(case.vk, 3, 2, "SmallPortfolioVerifier"),
    }, node_modules())
    evm = LocalEvm()
    return Deployed(evm, evm.deploy(comp["PortfolioVerifier"].bytecode),
                    evm.deploy(comp["SmallPortfolioVerifier"].bytecode), vk,
                    proof_from_json(doc["proof"]), public, case.proof, sp)


def test_real_proof_verifies_within_the_gas_target(deployed: Deployed) -> None:
    res = deployed.evm.call(deployed.real, verify_portfolio_calldata(deployed.proof,
                                                                     deployed.public))
    assert res.success and res.as_bool()
    assert res.gas_used <= GAS_TARGET, f"verifyPortfolio(k=32) costs {res.gas_used:,} gas"
    # the same proof through verifyProof on the packed words
    res = deployed.evm.call(deployed.real,
                            verify_proof_calldata(deployed.proof, deployed.public.to_list()))
    assert res.success and res.as_bool()


def test_python_verifier_agrees(deployed: Deployed, backend: Backend) -> None:
    assert verify(deployed.vk, deployed.public.to_list(), deployed.proof, backend=backend)
    assert deployed.public.count == 32 and len(set(deployed.public.assetIds) - {0}) == 3


@pytest.mark.parametrize("change", ["threshold + 1", "a lockId", "owner", "minExpiry", "root",
                                    "fewer locks"])
def test_changed_public_values_are_rejected(deployed: Deployed, change: str) -> None:
    p = deployed.public
    other = {
        "threshold + 1": lambda: p.replace(thresholds=(p.thresholds[0] + 1, *p.thresholds[1:])),
        "a lockId": lambda: p.replace(lockIds=(*p.lockIds[:31], p.lockIds[31] + 1)),
        "owner": lambda: p.replace(owner=p.owner + 1),
        "minExpiry": lambda: p.replace(minExpiry=p.minExpiry - 1),
        "root": lambda: p.replace(root=(p.root + 1) % R),
        "fewer locks": lambda: p.replace(lockIds=(*p.lockIds[:31], 0)),
    }[change]()
    res = deployed.evm.call(deployed.real, verify_portfolio_calldata(deployed.proof, other))
    assert res.success and not res.as_bool()


def _call(d: Deployed, sig: str, words: list[int]) -> tuple[bool, bytes]:
    res = d.evm.call(d.small, selector(sig) + encode_words(words))
    return res.success, res.output


def test_small_verifier_packs_as_python_does(deployed: Deployed) -> None:
    p, proof = deployed.small_public, deployed.small_proof
    res = deployed.evm.call(deployed.small, verify_portfolio_calldata(proof, p))
    assert res.success and res.as_bool()
    values = [p.root, p.destChainId, p.owner, p.minExpiry, *p.lockIds, *p.assetIds,
              *p.thresholds]
    ok, out = _call(deployed, "publicSignals(uint256,uint64,address,uint64,uint64[3],"
                    "address[2],uint128[2])", values)
    assert ok
    assert [int.from_bytes(out[i:i + 32], "big") for i in range(0, len(out), 32)] == p.to_list()
    ok, out = _call(deployed, f"unpack(uint256[{len(p.to_list())}])", p.to_list())
    assert ok
    assert [int.from_bytes(out[i:i + 32], "big") for i in range(0, len(out), 32)] == values


def test_values_outside_their_types_revert(deployed: Deployed) -> None:
    """The ABI decoder refuses a uint64 / address / uint128 argument with higher bits set: no
    value can reach a neighbour's bits in a packed word."""
    p, proof = deployed.small_public, deployed.small_proof
    good = verify_portfolio_calldata(proof, p)
    head = 4 + 8 * 32  # selector and the proof's 8 words
    # argument positions: root, destChainId, owner, minExpiry, lockIds[3], assetIds[2], ...
    for position, bits in ((1, 64), (2, 160), (3, 64), (4, 64), (6, 64), (7, 160), (9, 128)):
        at = head + 32 * position
        word = int.from_bytes(good[at:at + 32], "big") | (1 << bits)
        bad = good[:at] + word.to_bytes(32, "big") + good[at + 32:]
        assert not deployed.evm.call(deployed.small, bad).success, position


def test_unpack_refuses_stray_bits(deployed: Deployed) -> None:
    packed = deployed.small_public.to_list()
    for w, word in enumerate(layout(3, 2)):
        bad = list(packed)
        bad[1 + w] += 1 << word_bits(word)
        ok, _ = _call(deployed, f"unpack(uint256[{len(packed)}])", bad)
        assert not ok, w
        # and verifyProof on such a word is simply invalid (no proof exists for it)
        res = deployed.evm.call(deployed.small, verify_proof_calldata(deployed.small_proof, bad))
        assert res.success and not res.as_bool()


def test_signature_and_wrong_key_size() -> None:
    assert portfolio_signature(32, 4) == (
        "verifyPortfolio(uint256[2],uint256[2][2],uint256[2],uint256,uint64,address,uint64,"
        "uint64[32],address[4],uint128[4])")
    case = synthetic_case("portfolio wrong size", (1, 2, 3))
    with pytest.raises(SolidityError, match="key has 6 public inputs .* this key has 3"):
        generate_portfolio_verifier(case.vk, 3, 2)
