"""``zkcollat contracts gas``: execution gas of the main calls, measured on a local anvil chain.

Execution gas is a transaction's ``gasUsed`` minus its intrinsic cost (21,000 plus calldata,
EIP-2028 prices), in the steady state: before measuring, the vault has committed 16 locks (its
frontier and the token balances are non-zero) and the registry has accepted a root of the vault.
The chain runs with chain id 42161 and genesis time 1,700,000,000 so that the test vector
``valid_lock.json`` (destChainId 42161, owner = anvil's development account 3, minExpiry
1,750,000,000) is a valid credit. Every key used is one of anvil's public development keys.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from zkcollat.contracts.deploy import (
    Deployer,
    checksum,
    deploy_poseidon,
    deploy_vault,
    development_deployer,
    function_data,
)
from zkcollat.contracts.toolchain import PROJECT, Toolchain, locate
from zkcollat.errors import SolidityError
from zkcollat.solidity.evm import intrinsic_gas

#: anvil's development accounts 0..5 (the public "test test ... junk" mnemonic).
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
)
CHAIN_ID = 42161
GENESIS_TIME = 1_700_000_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def exec_gas(receipt: Any, calldata: bytes) -> int:
    """``gasUsed`` minus 21,000 and the calldata's cost."""
    return int(receipt["gasUsed"]) - intrinsic_gas(calldata)


class _Anvil:
    """A private anvil for one measurement, stopped by its pid when done."""

    def __init__(self, tc: Toolchain) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [
                str(tc.binary("anvil")),
                "--port",
                str(self.port),
                "--chain-id",
                str(CHAIN_ID),
                "--timestamp",
                str(GENESIS_TIME),
                "--silent",
                "--accounts",
                str(len(DEV_KEYS)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise SolidityError("anvil did not start")

    @property
    def rpc(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def measure(project: Path = PROJECT, build: bool = True) -> dict[str, int]:
    """Deploy everything on a fresh anvil and return ``{"Contract.function": execution_gas}``."""
    tc = locate()
    if build:
        tc.forge("build")
    node = _Anvil(tc)
    try:
        return _measure(node.rpc, project)
    finally:
        node.stop()


def _measure(rpc: str, project: Path) -> dict[str, int]:
    from zkcollat.attest.attestation import RootAttestation, zkcollat_domain  # noqa: PLC0415
    from zkcollat.attest.secp256k1 import PrivateKey  # noqa: PLC0415

    admin = development_deployer(rpc, DEV_KEYS[0], project)
    owner = development_deployer(rpc, DEV_KEYS[3], project)  # the owner of valid_lock
    payee = development_deployer(rpc, DEV_KEYS[2], project)
    w3 = admin.w3
    members = [PrivateKey.from_int(int(k, 16)) for k in DEV_KEYS[4:6]]
    members.append(PrivateKey.from_int(int(DEV_KEYS[1], 16)))
    committee = [checksum(m.address) for m in members]
    recipient = payee.address
    out: dict[str, int] = {}

    def run(name: str | None, fn: Any, sender: Deployer = admin) -> int:
        gas = exec_gas(sender.call(fn), function_data(fn))
        if name:
            out[name] = gas
        return gas

    def raw(to: str, data: bytes, gas: int) -> int:
        return exec_gas(admin.receipt(admin.send(to, data, gas=gas)), data)

    hashers = deploy_poseidon(admin)
    col = admin.contract("TestToken", admin.deploy("TestToken", "Collateral", "COL", 18))
    vault = admin.contract(
        "CollateralVault",
        deploy_vault(
            admin,
            hashers,
            depth=20,
            withdraw_grace_s=3 * 86400,
            tokens=[col.address],
            recipients={CHAIN_ID: recipient},
            committee=committee,
            threshold=2,
        ),
    )
    run(None, col.functions.mint(admin.address, 10**30))
    run(None, col.functions.approve(vault.address, 10**29))
    expiry = GENESIS_TIME + 10 * 86400

    def lock() -> int:
        return run(None, vault.functions.lock(col.address, 10**18, owner.address, CHAIN_ID, expiry))

    for _ in range(16):  # warm-up: 16 committed leaves, non-zero frontier and balances
        lock()
    run(None, vault.functions.commitRoot())
    locks = [lock() for _ in range(16)]
    out["CollateralVault.lock"] = int(statistics.median(locks))
    out["CollateralVault.commitRoot16"] = run(None, vault.functions.commitRoot())
    out["CollateralVault.lockAmortised16"] = (
        out["CollateralVault.lock"] + out["CollateralVault.commitRoot16"] // 16
    )
    # A batch of 16 that does not start on a multiple of 16 (touches one more node per level).
    for _ in range(5):
        lock()
    run(None, vault.functions.commitRoot())
    for _ in range(16):
        lock()
    out["CollateralVault.commitRoot16Unaligned"] = run(None, vault.functions.commitRoot())
    lock()
    out["CollateralVault.commitRoot1"] = run(None, vault.functions.commitRoot())
    out["CollateralVault.lockWithOwnRoot"] = (
        out["CollateralVault.lock"] + out["CollateralVault.commitRoot1"]
    )

    # Breakdown of lock: the hashes and the token transfer as their own transactions.
    seg_in = b"".join(
        v.to_bytes(32, "big") for v in (7, 2**160 - 1, CHAIN_ID, 2**159, 10**18, expiry)
    )
    total = 0
    data = seg_in
    for h in hashers[1:]:
        total += raw(h, data, 1_000_000)
        data = bytes(w3.eth.call({"to": checksum(h), "data": data}))
    out["Poseidon.hash6"] = total
    two = (123).to_bytes(32, "big") + (456).to_bytes(32, "big")
    out["Poseidon.hash2"] = raw(hashers[0], two, 100_000)
    run(None, col.functions.approve(recipient, 10**20))
    out["TestToken.transferFrom"] = run(
        None, col.functions.transferFrom(admin.address, recipient, 10**18), payee
    )

    # Execution side: root registry (3 signatures), verifier, credit.
    registry = admin.contract("RootRegistry", admin.deploy("RootRegistry", committee, 2))
    domain = zkcollat_domain(CHAIN_ID, registry.address)

    def submit(source: int, vault_addr: str, block: int, root: int) -> int:
        att = RootAttestation(source, vault_addr, block, root, GENESIS_TIME)
        digest = att.digest(domain)
        sigs = b"".join(m.sign_digest(digest).to_bytes() for m in members)
        return run(
            None,
            registry.functions.submitRoot(
                (source, vault_addr, block, root.to_bytes(32, "big"), GENESIS_TIME), sigs
            ),
        )

    submit(1, vault.address, 100, 1)
    out["RootRegistry.submitRoot"] = submit(1, vault.address, 101, 2)

    vector = json.loads((project / "test-vectors" / "valid_lock.json").read_text())
    verifier = admin.deploy("CollateralLockVerifier")
    out["CollateralLockVerifier.verifyProof"] = raw(
        verifier, bytes.fromhex(vector["calldata"]["verifyProof"][2:]), 1_000_000
    )

    usd = admin.deploy("TestToken", "USD", "USD", 6)
    # the generated Portfolio(20, 32, 4) verifier of the committed fixture's development key
    pv = checksum(admin.deploy("PortfolioVerifier"))
    adapter = admin.deploy("PortfolioVerifierAdapter", pv, 32, 4)
    credit = admin.contract(
        "CollateralCredit",
        admin.deploy(
            "CollateralCredit",
            registry.address,
            checksum(verifier),
            admin.address,
            checksum(usd),
            86400,
            checksum(adapter),
        ),
    )
    pub = [int(x) for x in vector["publicSignals"]]
    source_vault = vault.address
    submit(1, source_vault, 102, pub[0])
    args = vector["calldata"]["verifyProofArgs"]
    proof = (
        [int(x, 16) for x in args[0]],
        [[int(x, 16) for x in row] for row in args[1]],
        [int(x, 16) for x in args[2]],
    )
    out["CollateralCredit.credit"] = run(
        None, credit.functions.credit(1, source_vault, proof, pub), owner
    )
    # a vault of its own: the fixture's lockIds (0..38) include the single credit's
    pf_vault = checksum("0x" + "7a017".rjust(40, "0"))
    out["CollateralCredit.creditPortfolio32"] = _credit_portfolio(
        admin, credit, project, pf_vault, lambda root: submit(1, pf_vault, 1, root)
    )
    return out


def _credit_portfolio(
    admin: Deployer, credit: Any, project: Path, vault: str, accept: Any
) -> int:
    """``creditPortfolio`` of the committed fixture's real Portfolio(20, 32, 4) proof (32
    locks, 3 assets; owner 0xC0FFEE01, chain 42161), verification included: sent from the
    fixture's owner (an impersonated account), its root accepted first."""
    from zkcollat.formats.snarkjs import proof_from_json  # noqa: PLC0415
    from zkcollat.solidity.calldata import calldata_args  # noqa: PLC0415

    fx = json.loads((project / "test" / "fixtures" / "portfolio_20_32.json").read_text())
    v = fx["values"]
    accept(int(v["root"]))
    pa, pb, pc, _ = calldata_args(proof_from_json(fx["proof"]), [int(x) for x in fx["public"]])
    pub = (
        int(v["root"]),
        int(v["destChainId"]),
        int(v["owner"]),
        int(v["minExpiry"]),
        [int(x) for x in v["assetIds"]],
        [int(x) for x in v["thresholds"]],
        [int(x) for x in v["lockIds"]],
    )
    owner = checksum(f"{int(v['owner']):#042x}")
    w3 = admin.w3
    w3.provider.make_request("anvil_impersonateAccount", [owner])
    w3.provider.make_request("anvil_setBalance", [owner, hex(10**20)])
    data = function_data(credit.functions.creditPortfolio(1, vault, (pa, pb, pc), pub))
    tx = w3.eth.send_transaction({"from": owner, "to": credit.address, "data": data,
                                  "gas": 3_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=60)
    if receipt["status"] != 1:
        raise SolidityError("creditPortfolio of the fixture's proof reverted")
    return exec_gas(receipt, data)
