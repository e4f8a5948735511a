"""Compile Solidity with the solc-js compiler (npm package ``solc``) through Node.js.

zkcollat does not ship a compiler: tests and benchmarks point this module at a
``node_modules`` folder holding the pinned ``solc`` package (see package.json), and it runs
the compiler's standard-JSON interface in one ``node`` process per call.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkcollat.errors import SolidityError

#: Settings used for every verifier build: the optimizer on, as a deployment would use it.
DEFAULT_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "prague",
    "outputSelection": {"*": {"*": [
        "abi",
        "evm.bytecode.object",
        "evm.deployedBytecode.object",
        "evm.methodIdentifiers",
    ]}},
}

# Reads the standard-JSON input on stdin and writes solc's standard-JSON output on stdout.
_NODE_DRIVER = """
const solc = require(process.argv[1]);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => {
  const out = JSON.parse(solc.compile(input));
  out.zkcollatCompilerVersion = solc.version();
  process.stdout.write(JSON.stringify(out));
});
"""


@dataclass(frozen=True)
class CompiledContract:
    """One contract of a compilation: creation bytecode, runtime bytecode and ABI."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    runtime: bytes
    #: ``{"verifyProof(uint256[2],...)": "43753b4d"}``: selectors by signature, as hex
    method_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Compilation:
    """The result of one compiler run: contracts by name, and every diagnostic solc printed."""

    compiler_version: str
    contracts: dict[str, CompiledContract]
    warnings: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> CompiledContract:
        if name not in self.contracts:
            raise SolidityError(
                f"contract {name!r} is not in the compiler output; got {sorted(self.contracts)}"
            )
        return self.contracts[name]


def compile_sources(
    sources: dict[str, str],
    node_modules: Path,
    settings: dict[str, Any] | None = None,
    timeout: float = 300,
) -> Compilation:
    """Compile ``{file name: source text}`` with ``node_modules/solc``.

    Raises :class:`SolidityError` when node or solc is missing or when solc reports an error;
    warnings (and infos) are returned in ``Compilation.warnings`` for the caller to judge.
    Contract names must be unique across the files.
    """
    node = shutil.which("node")
    if node is None:
        raise SolidityError("node is not installed; solc-js needs Node.js to run")
    solc_dir = (Path(node_modules) / "solc").resolve()
    if not (solc_dir / "package.json").exists():
        raise SolidityError(f"the solc package is not installed in {node_modules}")
    std_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": settings if settings is not None else DEFAULT_SETTINGS,
    }
    proc = subprocess.run(
        [node, "-e", _NODE_DRIVER, str(solc_dir)],
        input=json.dumps(std_input),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise SolidityError(f"solc-js failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    errors: list[str] = []
    warnings: list[str] = []
    for diag in out.get("errors", []):
        text = diag.get("formattedMessage") or diag.get("message", "")
        (errors if diag.get("severity") == "error" else warnings).append(text)
    if errors:
        raise SolidityError("solc reported errors:\n" + "\n".join(errors))
    contracts: dict[str, CompiledContract] = {}
    for file_contracts in out.get("contracts", {}).values():
        for name, c in file_contracts.items():
            if name in contracts:
                raise SolidityError(f"contract name {name!r} appears in two source files")
            contracts[name] = CompiledContract(
                name=name,
                abi=c["abi"],
                bytecode=bytes.fromhex(c["evm"]["bytecode"]["object"]),
                runtime=bytes.fromhex(c["evm"]["deployedBytecode"]["object"]),
                method_ids=dict(c["evm"].get("methodIdentifiers", {})),
            )
    return Compilation(str(out.get("zkcollatCompilerVersion", "")), contracts, warnings)
