"""Services between the two chains: the devnet, the relayer and the committee members.

- :mod:`prover` — a CollateralLock proof for one lock of a vault (``prove_lock``): the witness
  built from the vault's lock and path, checked against the statement before proving.
- :mod:`devnet` — two local anvil nodes with the contracts deployed and development accounts.
"""

import warnings

# web3 imports the deprecated websockets.legacy module; zkcollat uses HTTP only.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import web3  # noqa: F401
