"""The Solidity project ``verifier_contracts/`` and its toolchain (Foundry from npm).

* :mod:`zkcollat.contracts.poseidon_evm`: Poseidon as EVM bytecode (the vault's on-chain hash);
* :mod:`zkcollat.contracts.generate`: files of the project generated from Python (Poseidon
  bytecode, the tree's zero hashes, the verifier);
* :mod:`zkcollat.contracts.toolchain`: locate the pinned ``forge``/``anvil``/``cast`` and the
  solc shim, and run ``forge build|test|snapshot``;
* :mod:`zkcollat.contracts.gas`: the gas table of ``zkcollat contracts gas``.
"""

from __future__ import annotations
