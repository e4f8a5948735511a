"""Services between the two chains: the devnet, the relayer and the committee members.

- :mod:`devnet` — two local anvil nodes with the contracts deployed and development accounts.
"""
