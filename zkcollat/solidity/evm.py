"""A local EVM for tests and benchmarks: deploy bytecode and call it, through pyrevm.

pyrevm wraps revm (Rust), whose BN254 precompiles (0x06, 0x07, 0x08) are native code, so a
Groth16 pairing check runs in milliseconds; py-evm's run on py_ecc and take about a second
per verification. pyrevm is a test dependency, imported only when a :class:`LocalEvm` is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkcollat.errors import SolidityError

#: The fork the EVM runs and solc targets (solc 0.8.30's default ``evmVersion``).
SPEC = "PRAGUE"
DEPLOYER = "0x" + "11" * 20
CALLER = "0x" + "22" * 20
TX_BASE_GAS = 21_000


@dataclass(frozen=True)
class CallResult:
    """What one call returned: success flag, return data and the gas of the whole transaction.

    ``gas_used`` includes the 21000 base cost and the calldata cost (what a sender pays);
    ``execution_gas`` is ``gas_used`` minus the intrinsic cost of the transaction.
    """

    success: bool
    output: bytes
    gas_used: int
    intrinsic_gas: int
    reason: str

    @property
    def execution_gas(self) -> int:
        return self.gas_used - self.intrinsic_gas

    def as_bool(self) -> bool:
        """Decode a successful call's single ``bool`` return word (strictly 0 or 1)."""
        if not self.success:
            raise SolidityError(f"the call reverted or halted ({self.reason}); no bool returned")
        if len(self.output) != 32 or int.from_bytes(self.output, "big") > 1:
            raise SolidityError(f"the call returned {self.output.hex()!r}, not one ABI bool")
        return self.output[-1] == 1


def intrinsic_gas(calldata: bytes) -> int:
    """Intrinsic gas of a call transaction (EIP-2028 calldata prices, no access list).

    Since Prague (EIP-7623) a calldata-heavy transaction may pay a floor instead; a verifier
    call spends far more on execution than the floor, so the plain formula applies.
    """
    zeros = calldata.count(0)
    return TX_BASE_GAS + 4 * zeros + 16 * (len(calldata) - zeros)


class LocalEvm:
    """An in-memory chain: contracts deployed by :meth:`deploy` stay for later calls."""

    def __init__(self) -> None:
        try:
            import pyrevm
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise SolidityError(
                "pyrevm is not installed; `pip install pyrevm` to run contracts locally"
            ) from exc
        self._evm: Any = pyrevm.EVM(spec_id=SPEC)
        self._evm.set_balance(DEPLOYER, 10**24)
        self._evm.set_balance(CALLER, 10**24)

    def deploy(self, creation_code: bytes) -> str:
        """Deploy creation bytecode; return the new contract's address (raises on failure)."""
        try:
            address: str = self._evm.deploy(DEPLOYER, creation_code, gas=30_000_000)
        except Exception as exc:  # pyrevm raises RuntimeError with revm's message
            raise SolidityError(f"deployment failed: {exc}") from exc
        return address

    def call(self, to: str, calldata: bytes, gas: int = 10_000_000) -> CallResult:
        """Run a (non-committed) message call as a transaction from :data:`CALLER`.

        A revert or an exceptional halt gives ``success=False``; it never raises.
        """
        try:
            output = bytes(
                self._evm.message_call(CALLER, to, calldata=calldata, gas=gas, is_static=True)
            )
            ok = True
        except Exception:  # a revert or halt is reported through ``result`` below
            output = b""
            ok = False
        res = self._evm.result
        gas_used = int(res.gas_used) if res is not None else 0
        reason = str(res.reason) if res is not None else "unknown"
        success = ok and res is not None and bool(res.is_success)
        return CallResult(success, output, gas_used, intrinsic_gas(calldata), reason)
