"""``python -m zkcollat.solidity``: generate a verifier, or print calldata for a proof.

    python -m zkcollat.solidity verifier verification_key.json [--collateral-lock] -o V.sol
    python -m zkcollat.solidity calldata proof.json public.json [--format text|json|hex]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from zkcollat.errors import ZkcollatError
from zkcollat.formats.snarkjs import proof_from_json, public_from_json, read_json, vk_from_json
from zkcollat.solidity.calldata import calldata_json, soliditycalldata, verify_proof_calldata
from zkcollat.solidity.verifier import (
    generate_collateral_lock_verifier,
    generate_statement_verifier,
    generate_verifier,
)
from zkcollat.statements import STATEMENTS, statement


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zkcollat.solidity")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verifier", help="write the Solidity verifier of a verification key")
    v.add_argument("vk", type=Path, help="verification_key.json")
    v.add_argument("--collateral-lock", action="store_true", help="CollateralLockVerifier")
    v.add_argument("--statement", choices=tuple(STATEMENTS), default=None,
                   help="add the statement's verify<Title> with its public inputs by name")
    v.add_argument("--name", default=None, help="contract name")
    v.add_argument("-o", "--output", type=Path, default=None, help="output file (default stdout)")
    c = sub.add_parser("calldata", help="print the verifyProof arguments of a proof")
    c.add_argument("proof", type=Path)
    c.add_argument("public", type=Path)
    c.add_argument("--format", choices=("text", "json", "hex"), default="text")
    args = parser.parse_args(argv)
    try:
        if args.command == "verifier":
            vk = vk_from_json(read_json(args.vk, "verification key"))
            if not vk.ceremony:
                print("warning: development key (no multi-party ceremony)", file=sys.stderr)
            if args.statement:
                src = generate_statement_verifier(vk, statement(args.statement), args.name)
            elif args.collateral_lock:
                src = generate_collateral_lock_verifier(vk, args.name or "CollateralLockVerifier")
            else:
                src = generate_verifier(vk, args.name or "Groth16Verifier")
            if args.output is None:
                sys.stdout.write(src)
            else:
                args.output.write_text(src)
        else:
            proof = proof_from_json(read_json(args.proof, "proof"))
            public = public_from_json(read_json(args.public, "public signals"))
            if args.format == "text":
                print(soliditycalldata(proof, public))
            elif args.format == "json":
                print(json.dumps(calldata_json(proof, public)))
            else:
                print("0x" + verify_proof_calldata(proof, public).hex())
    except ZkcollatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
