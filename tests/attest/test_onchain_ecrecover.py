"""The EIP-712 digests and signatures we make are the ones a contract computes and recovers.

A small test contract (Eip712Check.sol, beside this file) rebuilds the RootAttestation and
Seize digests with Solidity's own `abi.encode`/`keccak256` and recovers the signer with
`ecrecover`; it is compiled with the pinned solc and run in revm (pyrevm), and must agree
with the Python side byte for byte.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from tests.jstools import node_modules
from zkcollat.attest import PrivateKey, RootAttestation
from zkcollat.attest.attestation import zkcollat_domain
from zkcollat.attest.eip712 import keccak256
from zkcollat.margin.messages import Seize
from zkcollat.solidity.evm import LocalEvm
from zkcollat.solidity.solc import compile_sources

SOURCE = (Path(__file__).parent / "Eip712Check.sol").read_text()


def _word(v: int | str | bytes) -> bytes:
    if isinstance(v, bytes):
        return v.rjust(32, b"\0")
    if isinstance(v, str):
        return int(v, 16).to_bytes(32, "big")
    return v.to_bytes(32, "big")


def _call(evm: LocalEvm, addr: str, signature: str, *args: int | str | bytes) -> bytes:
    selector = keccak256(signature.encode())[:4]
    res = evm.call(addr, selector + b"".join(_word(a) for a in args))
    assert res.success, res.reason
    return res.output


@pytest.fixture(scope="module")
def contract() -> tuple[LocalEvm, str]:
    if importlib.util.find_spec("pyrevm") is None:
        if os.environ.get("CI"):
            pytest.fail("pyrevm (a test dependency) is required in CI")
        pytest.skip("pyrevm is not installed")
    comp = compile_sources({"Eip712Check.sol": SOURCE}, node_modules())
    evm = LocalEvm()
    return evm, evm.deploy(comp["Eip712Check"].bytecode)


def test_attestation_digest_and_ecrecover_match_solidity(contract: tuple[LocalEvm, str]) -> None:
    evm, addr = contract
    key = PrivateKey.from_int(0xC0FFEE)
    registry = "0x" + "12" * 20
    att = RootAttestation(1, "0x" + "ab" * 20, 19_000_000, 2**253 + 12345, 1_700_000_000)
    digest = att.digest(zkcollat_domain(42161, registry))
    onchain = _call(evm, addr,
                    "attestationDigest(uint256,address,uint256,address,uint64,bytes32,uint64)",
                    42161, registry, 1, att.vault, att.block_number,
                    att.root.to_bytes(32, "big"), att.timestamp)
    assert onchain == digest
    sig = key.sign_digest(digest)
    who = _call(evm, addr, "signer(bytes32,uint8,bytes32,bytes32)", digest, sig.v,
                sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big"))
    assert int.from_bytes(who, "big") == int(key.address, 16)
    # another digest recovers someone else: ecrecover really checks the signature
    other = _call(evm, addr, "signer(bytes32,uint8,bytes32,bytes32)", keccak256(b"x"), sig.v,
                  sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big"))
    assert int.from_bytes(other, "big") != int(key.address, 16)


def test_seize_digest_matches_solidity(contract: tuple[LocalEvm, str]) -> None:
    evm, addr = contract
    msg = Seize(1, "0x" + "11" * 20, 2048, 8 * 10**18, 3, 1_900_000_000)
    onchain = _call(evm, addr, "seizeDigest(uint256,address,uint64,uint256,uint64,uint64)",
                    1, msg.vault, 2048, 8 * 10**18, 3, 1_900_000_000)
    assert onchain == msg.digest()
