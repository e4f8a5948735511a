"""Regenerate verifier_contracts/test/fixtures/portfolio_20_32.json: a Portfolio(20, 32, 4) key
and a real proof of 32 locks of one owner in three assets.

    python tests/contracts/make_portfolio_fixture.py     # native backend; minutes

The key comes from zkcollat.groth16.setup with the fixed seed below (a development key: anyone
can forge proofs for it; it exists for the gas test and the generated
src/PortfolioVerifier.sol, regenerated from it by ``zkcollat contracts generate``).
The proof uses fresh randomness, so a rerun writes another, equally valid, proof.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from zkcollat.curve import use_backend  # noqa: E402
from zkcollat.formats.snarkjs import (  # noqa: E402
    proof_to_json,
    public_to_json,
    vk_to_json,
    write_json_atomic,
)
from zkcollat.groth16.keys import Proof, VerifyingKey  # noqa: E402
from zkcollat.groth16.setup import setup  # noqa: E402
from zkcollat.groth16.verify import verify  # noqa: E402
from zkcollat.relayer.portfolio import portfolio_public, prove_portfolio  # noqa: E402
from zkcollat.solidity.calldata import verify_proof_calldata  # noqa: E402
from zkcollat.solidity.portfolio import verify_portfolio_calldata  # noqa: E402
from zkcollat.statements import Portfolio, PortfolioPublic  # noqa: E402
from zkcollat.vault import Lock, Vault  # noqa: E402

FIXTURE = ROOT / "verifier_contracts" / "test" / "fixtures" / "portfolio_20_32.json"
COMMAND = "python tests/contracts/make_portfolio_fixture.py"
SEED = b"verifier_contracts portfolio_20_32"
DEPTH, SLOTS, ASSETS = 20, 32, 4
OWNER = 0x00000000000000000000000000000000C0FFEE01
DEST = 42161
WETH = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2
USDC = 0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48
WBTC = 0x2260FAC5E5542A773AA44FBCB6EDAC8DA0C6C5B3
ASSET_CYCLE = (WETH, USDC, WBTC)


def vault_and_public() -> tuple[Vault, PortfolioPublic]:
    """40 locks: every fifth belongs to someone else; the owner's first 32 form the portfolio."""
    vault = Vault(DEPTH)
    locks, mine = [], []
    for i in range(40):
        asset = ASSET_CYCLE[i % 3]
        amount = {WETH: 2 * 10**18, USDC: 3_000 * 10**6, WBTC: 10**7}[asset] + i
        owner = 0xB0B if i % 5 == 4 else OWNER
        locks.append(Lock(i, owner, DEST, asset, amount, 1_900_086_400 + i))
        if owner == OWNER and len(mine) < SLOTS:
            mine.append(locks[-1])
    vault.insert_many(locks)
    sums: dict[int, int] = {}
    for lk in mine:
        sums[lk.asset_id] = sums.get(lk.asset_id, 0) + lk.amount
    public = portfolio_public(vault, [lk.lock_id for lk in mine], sums, 1_900_000_000,
                              dest_chain_id=DEST, owner=OWNER, slots=SLOTS, assets=ASSETS)
    return vault, public


def main() -> None:
    t0 = time.perf_counter()
    vault, public = vault_and_public()
    cs = Portfolio(DEPTH, SLOTS, ASSETS).compile()
    print(f"compiled: {cs.n_constraints} constraints, {time.perf_counter() - t0:.1f} s")
    with use_backend("native"):
        t0 = time.perf_counter()
        pk, vk = setup(cs, seed=SEED)
        print(f"setup {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        proof = prove_portfolio(vault, public, pk=pk, cs=cs)
        print(f"witness + proof {time.perf_counter() - t0:.1f} s")
        assert verify(vk, public.to_list(), proof)
    write_fixture(vk, proof, public)
    print(f"wrote {FIXTURE}")


def write_fixture(vk: VerifyingKey, proof: Proof, public: PortfolioPublic) -> None:
    values = {k: [str(x) for x in v] if isinstance(v, list) else str(v)
              for k, v in public.to_dict().items()}
    write_json_atomic(
        FIXTURE,
        {
            "command": COMMAND,
            "note": f"development key from zkcollat.groth16.setup(seed={SEED!r}); real proof",
            "statement": {"depth": DEPTH, "slots": SLOTS, "assets": ASSETS},
            "verification_key": vk_to_json(vk),
            "proof": proof_to_json(proof),
            "public": public_to_json(public.to_list()),
            "values": values,
            "calldata": {
                "verifyPortfolio": "0x" + verify_portfolio_calldata(proof, public).hex(),
                "verifyProof": "0x" + verify_proof_calldata(proof, public.to_list()).hex(),
            },
        },
    )


if __name__ == "__main__":
    main()
