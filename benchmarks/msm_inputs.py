"""Write the inputs of a CollateralLock(D) proof's five MSMs for ``rust/core/examples/msm_speed``
(or, with ``--synthetic``, of bench_growth's synthetic circuit of about 2^D constraints).

A development key's queries (the proving-key byte layouts: G1 64 bytes, G2 128 bytes), the
witness, the quotient's coefficients and the rows A.w, B.w, C.w on the domain (32-byte
big-endian scalars; the rows are for ``examples/prove_phases``), and ``meta.txt`` with
``n_public n_wires domain_size``:

    python benchmarks/msm_inputs.py 20 /tmp/msm20
    cd rust/core && cargo run --release --example msm_speed -- /tmp/msm20 9
    python benchmarks/msm_inputs.py 18 /tmp/syn18 --synthetic   # then examples/prove_phases
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zkcollat.curve.backend import get_backend  # noqa: E402
from zkcollat.groth16.qap import witness_rows  # noqa: E402
from zkcollat.groth16.setup import setup  # noqa: E402
from zkcollat.statements import CollateralLock  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("depth", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--synthetic", action="store_true",
                    help="bench_growth's synthetic circuit of ~2^depth constraints")
    args = ap.parse_args()
    from bench_groth16 import lock_inputs  # benchmarks/ is the script's folder
    from native_only import require_native

    require_native("msm_inputs.py")
    backend = get_backend()
    if args.synthetic:
        from bench_growth import chain_circuit

        circuit, inputs = chain_circuit(1 << args.depth)
        cs = circuit.compile()
        w_all = cs.solve_packed(inputs)
    else:
        cs = CollateralLock(args.depth).compile()
        w_all = cs.solve_packed(lock_inputs(args.depth))
    pk, _ = setup(cs, backend=backend)
    rows = witness_rows(cs, w_all, backend)
    h = backend.quotient_packed(*rows)[: (pk.domain_size - 1) * 32]
    args.out.mkdir(parents=True, exist_ok=True)
    files = {
        "a.bin": pk.a_query,
        "b1.bin": pk.b_g1_query,
        "b2.bin": pk.b_g2_query,
        "h.bin": pk.h_query,
        "l.bin": pk.l_query,
        "w.bin": w_all,
        "hs.bin": h,
        "ra.bin": rows[0],
        "rb.bin": rows[1],
        "rc.bin": rows[2],
    }
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    (args.out / "meta.txt").write_text(f"{pk.n_public} {pk.n_wires} {pk.domain_size}\n")
    print(f"{args.out}: {pk.n_wires} wires, {pk.n_public} public, domain {pk.domain_size}")


if __name__ == "__main__":
    main()
