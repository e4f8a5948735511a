"""Child process for ``test_concurrency_slow.py``.

    python tests/vault/concurrency_child.py PATH writer WRITER_ID ROUNDS SEED
    python tests/vault/concurrency_child.py PATH reader - ROUNDS SEED

A writer keeps one ``Vault`` open and, ROUNDS times at random moments, appends 1..5 locks whose
owner is WRITER_ID and whose amount is a per-writer sequence number (ids assigned at commit),
printing ``added <first> <n>``; its in-memory state is stale whenever the other writer committed
in between. A reader opens the vault ROUNDS times and prints ``seen <size> <root>``.
"""

from __future__ import annotations

import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from zkcollat.vault import Lock, Vault  # noqa: E402


def main() -> None:
    path, role, who, rounds, seed = sys.argv[1:6]
    rng = random.Random(int(seed))
    if role == "writer":
        seq = 0
        with Vault.open(path) as v:
            for _ in range(int(rounds)):
                time.sleep(rng.random() * 0.02)
                n = rng.randint(1, 5)
                locks = [Lock(0, int(who), 1, 0xA55E7, 10**6 + seq + i, 1_900_000_000)
                         for i in range(n)]
                first = v.insert_many(locks, block_number=None, assign_ids=True)
                seq += n
                print(f"added {first} {n}", flush=True)
    else:
        for _ in range(int(rounds)):
            time.sleep(rng.random() * 0.02)
            with Vault.open(path) as v:
                print(f"seen {v.size} {v.root}", flush=True)


if __name__ == "__main__":
    main()
