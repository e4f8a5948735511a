"""CollateralLock test vectors for contract auditors: a deterministic generator and a checker.

    zkcollat vectors build [--out DIR] [--depth D]   # rewrite the vectors (generate())
    zkcollat vectors check [DIR]                     # verify every vector (check_dir())

``generate`` is deterministic: development keys from ``setup(cs, seed=SEED)`` (public seed:
**forgeable, for tests only**), proofs with a fixed blinding ``(r, s)`` derived from each
vector's name, a fixed lock set. Running it twice writes byte-identical files.

``check`` needs no keys and no seed: for every vector it rebuilds the vault from the lock
set and compares the root, recomputes the circuit inputs and public signals, verifies the
proof with the Python verifier against the expected verdict, recomputes the EVM calldata,
and, for the vectors that cannot be proven, checks that ``prove_lock`` refuses with the
expected error and that the circuit's constraints are unsatisfiable for the given inputs.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zkcollat.curve.backend import get_backend
from zkcollat.curve.points import G1_GENERATOR, G1Point, G2Point
from zkcollat.errors import UnsatisfiedConstraint, ZkcollatError
from zkcollat.field import P, R, fq2_sqrt
from zkcollat.formats import limits
from zkcollat.formats.limits import LimitError
from zkcollat.formats.snarkjs import (
    proof_from_json,
    proof_to_json,
    public_to_json,
    vk_from_json,
    vk_to_json,
    write_json_atomic,
)
from zkcollat.groth16.keys import Proof
from zkcollat.groth16.setup import setup
from zkcollat.groth16.verify import verify
from zkcollat.r1cs.system import ConstraintSystem
from zkcollat.relayer.prover import lock_inputs, prove_lock
from zkcollat.solidity.calldata import (
    VERIFY_COLLATERAL_LOCK_SIGNATURE,
    calldata_json,
    encode_words,
    selector,
    verify_collateral_lock_calldata,
    verify_proof_signature,
)
from zkcollat.solidity.verifier import COLLATERAL_LOCK_PUBLIC, generate_collateral_lock_verifier
from zkcollat.statements import CollateralLock
from zkcollat.vault import errors as vault_errors
from zkcollat.vault.lock import Lock
from zkcollat.vault.tree import MAX_DEPTH
from zkcollat.vault.vault import Vault

#: A vector is a few hundred kB (a depth-32 vault's locks and paths); 16 MB is generous.
VECTOR_LIMITS = limits.Limits(max_bytes=16 << 20, max_depth=16)

SEED = b"zkcollat CollateralLock test vectors v1"
#: The seed of a second key of the same statement (the "another key" vector's prover).
OTHER_SEED = b"zkcollat CollateralLock test vectors v1: another key"
#: The verifier contract for the vectors' key, written beside them.
VERIFIER_SOL = "CollateralLockVerifier.sol"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "verifier_contracts" / "test-vectors"
DEFAULT_DEPTH = 20
GENERATED_BY = "zkcollat vectors build"
DEST_CHAIN = 42161  # the execution chain of most locks
OTHER_CHAIN = 10

#: (lock fields without the id, block number). Edge values: amount 2^128 - 1, expiry 2^64 - 1,
#: owner 2^160 - 1, a lock for another chain.
LOCK_SET: tuple[tuple[tuple[int, int, int, int, int], int], ...] = (
    ((0x70997970C51812DC3A010C7D01B50E0D17DC79C8, DEST_CHAIN,
      0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2, 5 * 10**18, 1_900_000_000), 19_000_000),
    ((0x3C44CDDDB6A900FA2B585DD299E03D12FA4293BC, DEST_CHAIN,
      0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48, 250_000 * 10**6, 1_800_000_000), 19_000_000),
    ((0x90F79BF6EB2C4F870365E785982E1F101E93B906, DEST_CHAIN,
      0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2, 12 * 10**18, 1_750_000_000), 19_000_007),
    ((0x15D34AAF54267DB7D7C367839AAF71A00A2C6A65, OTHER_CHAIN,
      0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2, 3 * 10**18, 1_900_000_000), 19_000_007),
    (((1 << 160) - 1, DEST_CHAIN, 0x2260FAC5E5542A773AA44FBCFEDF7C193BC2C599,
      (1 << 128) - 1, (1 << 64) - 1), 19_000_020),
    ((0x9965507D1A55BCC2695C58BA16FB37D819B0A4DC, DEST_CHAIN,
      0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48, 1, 1_760_000_000), 19_000_021),
)

EXPECTED_ERRORS = {
    "ThresholdAboveAmount": vault_errors.ThresholdAboveAmount,
    "ExpiryTooEarly": vault_errors.ExpiryTooEarly,
}


def build_vault(depth: int) -> Vault:
    vault = Vault(depth)
    for i, (fields, block) in enumerate(LOCK_SET):
        vault.insert(Lock(i, *fields), block_number=block)
    return vault


def _blinding(name: str) -> tuple[int, int]:
    d = hashlib.sha512(b"zkcollat vector blinding " + name.encode()).digest()
    return int.from_bytes(d[:32], "big") % R, int.from_bytes(d[32:], "big") % R


def _dec(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in inputs.items()}


def _raw_calldata(proof: Proof, public: Sequence[int]) -> str:
    """``verifyProof`` calldata without the ``< r`` check (to carry a value a verifier rejects)."""
    (bx1, bx0), (by1, by0) = proof.b.to_evm()
    words = [*proof.a.to_evm(), bx1, bx0, by1, by0, *proof.c.to_evm(), *public]
    return "0x" + (selector(verify_proof_signature(len(public))) + encode_words(words)).hex()


def _calldata(proof: Proof, public: Sequence[int]) -> dict[str, Any]:
    args: Any = None
    if all(v < R for v in public):
        try:
            args = calldata_json(proof, public)
        except ZkcollatError:  # a malformed point: the argument list refuses to carry it
            args = None
    typed: str | None = None
    if len(public) == len(COLLATERAL_LOCK_PUBLIC):
        named = dict(zip(COLLATERAL_LOCK_PUBLIC, public, strict=True))
        try:
            typed = "0x" + verify_collateral_lock_calldata(proof, named).hex()
        except ZkcollatError:  # a value outside its Solidity type: the typed call cannot carry it
            typed = None
    return {
        "verifyProofSignature": verify_proof_signature(len(public)),
        "verifyProofArgs": args,
        "verifyProof": _raw_calldata(proof, public),
        "verifyCollateralLockSignature": VERIFY_COLLATERAL_LOCK_SIGNATURE,
        "verifyCollateralLock": typed,
    }


def _raw_proof(d: dict[str, Any]) -> Proof:
    """A proof.json's points as written, with no check (the malformed vectors' calldata)."""
    a, b, c = d["pi_a"], d["pi_b"], d["pi_c"]
    return Proof(
        G1Point(int(a[0]), int(a[1])),
        G2Point((int(b[0][0]), int(b[0][1])), (int(b[1][0]), int(b[1][1]))),
        G1Point(int(c[0]), int(c[1])),
    )


def twist_point_outside_g2() -> G2Point:
    """The point of the BN254 twist with the smallest x = (k, 0) that is not in the order-r
    subgroup G2 (on the curve y^2 = x^3 + b', so only a subgroup check refuses it)."""
    from zkcollat.ceremony.rng import TWIST_B

    for k in range(1, 1000):
        rhs = ((k**3 + TWIST_B[0]) % P, TWIST_B[1])
        y = fq2_sqrt(rhs)
        if y is None:
            continue
        pt = G2Point((k, 0), y)
        if pt.is_on_curve() and not get_backend().g2_in_subgroup(pt):
            return pt
    raise AssertionError("no twist point outside G2 with a small x")  # pragma: no cover


def _base(name: str, description: str, vault: Vault, depth: int, cs: ConstraintSystem,
          vk_json: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "generatedBy": f"{GENERATED_BY} --depth {depth}",
        "statement": f"CollateralLock({depth})",
        "circuit": {"name": "collateral_lock", "depth": depth, "nConstraints": cs.n_constraints,
                    "publicInputs": list(COLLATERAL_LOCK_PUBLIC)},
        "vault": {
            "depth": depth,
            "locks": [lk.to_json() for lk in vault.locks()],
            "blockRoots": [{"blockNumber": b.block_number, "size": b.size, "root": str(b.root)}
                           for b in vault.block_roots],
            "size": vault.size,
            "root": str(vault.root),
        },
        "verificationKey": vk_json,
    }


def generate(out: Path, depth: int = DEFAULT_DEPTH) -> list[Path]:
    """Write every vector (and ``index.json``) into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    cs = CollateralLock(depth).compile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the seeded key says what it is in its own metadata
        pk, vk = setup(cs, seed=SEED)
    vk_json = vk_to_json(vk)
    vault = build_vault(depth)
    vectors: list[dict[str, Any]] = []

    def proven(name: str, description: str, lock_id: int, threshold: int, min_expiry: int,
               size: int | None = None) -> tuple[dict[str, Any], Proof, list[int]]:
        lk = vault.get_lock(lock_id)
        proof, public = prove_lock(vault, lock_id, threshold, min_expiry, pk=pk, cs=cs,
                                   dest_chain_id=lk.dest_chain_id, size=size,
                                   blinding=_blinding(name))
        v = _base(name, description, vault, depth, cs, vk_json)
        v.update({
            "lockId": str(lock_id), "threshold": str(threshold), "minExpiry": str(min_expiry),
            "proveAtSize": vault.size if size is None else size,
            "input": _dec(lock_inputs(vault, lock_id, threshold, min_expiry, size=size)),
        })
        return v, proof, public.to_list()

    def finish(v: dict[str, Any], proof: Proof, public: list[int], verdict: str,
               reason: str, error: str | None = None) -> None:
        expected = {"verdict": verdict, "reason": reason}
        if error is not None:  # the Python side refuses before any pairing, saying this
            expected["error"] = error
        v.update({
            "publicSignals": public_to_json(public) if all(x < R for x in public)
            else [str(x) for x in public],
            "proof": proof_to_json(proof),
            "calldata": _calldata(proof, public),
            "expected": expected,
        })
        vectors.append(v)

    def variant(name: str, description: str) -> dict[str, Any]:
        v: dict[str, Any] = json.loads(json.dumps(base))
        v["name"], v["description"] = name, description
        return v

    base, proof0, public0 = proven(
        "valid_lock", "lock 2 proven at threshold = amount and minExpiry = expiry (both "
        "comparisons at equality) against the current root", 2, 12 * 10**18, 1_750_000_000)
    finish(base, proof0, public0, "accept", "a valid proof of a lock in the tree")

    v, p, pub = proven(
        "valid_edge_values", "lock 4: owner 2^160-1, amount 2^128-1, expiry 2^64-1; threshold "
        "2^128-1 and minExpiry 2^64-1 (the largest values the range checks allow)",
        4, (1 << 128) - 1, (1 << 64) - 1)
    finish(v, p, pub, "accept", "a valid proof at the top of every range")

    v, p, pub = proven(
        "valid_past_root", "lock 0 proven against the root the vault had with 3 locks (the "
        "root recorded for block 19000007), with threshold below amount", 0, 10**18,
        1_700_000_000, size=3)
    finish(v, p, pub, "accept", "a proof against an authentic past root stays valid")

    v = json.loads(json.dumps(base))
    v["name"] = "tampered_proof"
    v["description"] = "valid_lock's proof with pi_a replaced by pi_a + G1 (still on the curve)"
    tampered = Proof(get_backend().g1_add(proof0.a, G1_GENERATOR), proof0.b, proof0.c)
    finish(v, tampered, public0, "reject", "pairing check fails")

    v = json.loads(json.dumps(base))
    v["name"] = "public_input_plus_r"
    v["description"] = ("valid_lock's proof with the public threshold replaced by threshold + r "
                        "(equal modulo r): a verifier must refuse any public input >= r")
    aliased = list(public0)
    aliased[5] += R
    finish(v, proof0, aliased, "reject", "public input [5] (threshold) is not below r")

    v = json.loads(json.dumps(base))
    v["name"] = "wrong_root"
    v["description"] = ("valid_lock's proof presented with another authentic root of the same "
                        "vault (the root at 4 locks), not the one it was made for")
    wrong = list(public0)
    wrong[0] = vault.root_at(4)
    finish(v, proof0, wrong, "reject", "pairing check fails: the proof binds its root")

    v = json.loads(json.dumps(base))
    v["name"] = "wrong_dest_chain"
    v["description"] = ("valid_lock's proof presented as if its destChainId were another chain: "
                        "an execution chain must only accept proofs naming itself")
    wrong = list(public0)
    wrong[1] = OTHER_CHAIN
    finish(v, proof0, wrong, "reject", "pairing check fails: the proof binds destChainId")

    # Point-level and shape rejections: what a verifier must refuse before or by the pairing.
    a, b, c = proof0.a, proof0.b, proof0.c
    finish(variant(
        "coordinate_above_p", "valid_lock's proof with pi_a.x replaced by pi_a.x + p (the same "
               "point modulo p): a verifier must refuse any coordinate >= p, never reduce it"),
        Proof(G1Point(a.x + P, a.y), b, c), public0, "reject", "pi_a.x is not below p",
        error="is not below the field modulus p")
    finish(variant(
        "point_off_curve", "valid_lock's proof with pi_c.y replaced by pi_c.y + 1 (mod p): "
               "not a point of y^2 = x^3 + 3"),
        Proof(a, b, G1Point(c.x, (c.y + 1) % P)), public0, "reject",
        "pi_c is not on the curve", error="is not on the BN254 G1 curve")
    finish(variant(
        "g2_outside_subgroup", "valid_lock's proof with pi_b replaced by a point of the twist "
               "curve outside the order-r subgroup G2 (on the curve: only a subgroup check "
               "refuses it)"),
        Proof(a, twist_point_outside_g2(), c), public0, "reject",
        "pi_b is not in the r-order subgroup G2", error="not in the r-order subgroup G2")
    finish(variant(
        "identity_point", "valid_lock's proof with pi_a replaced by the point at infinity "
               "(0, 0): a well-formed point, so the pairing check refuses it"),
        Proof(G1Point(0, 0), b, c), public0, "reject", "pairing check fails")
    finish(variant(
        "wrong_input_count", "valid_lock's proof with 6 public inputs (minExpiry left out): "
               "the key has 7 (calldata: verifyProof(...,uint256[6]), a selector the verifier "
               "does not have)"),
        proof0, public0[:6], "reject", "6 public inputs where the key takes 7")
    swapped = list(public0)
    swapped[2], swapped[3] = swapped[3], swapped[2]
    finish(variant(
        "swapped_inputs", "valid_lock's proof with the public owner and assetId swapped (both "
               "addresses, both below r)"),
        proof0, swapped, "reject", "pairing check fails: the inputs are bound in order")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk_other, _vk_other = setup(cs, seed=OTHER_SEED)
    other_proof, other_signals = prove_lock(
        vault, 2, 12 * 10**18, 1_750_000_000, pk=pk_other, cs=cs, dest_chain_id=DEST_CHAIN,
        blinding=_blinding("another_key"))
    other_public = other_signals.to_list()
    assert other_public == public0
    finish(variant(
        "another_key", "a valid proof of valid_lock's statement made with another key of the "
               f"same circuit (seed {OTHER_SEED.decode()!r}), presented to this key"),
        other_proof, other_public, "reject", "pairing check fails: a proof binds its key")

    for name, description, lock_id, threshold, min_expiry, error in (
        ("threshold_above_amount", "lock 5 holds amount 1; threshold 2 cannot be proven",
         5, 2, 0, "ThresholdAboveAmount"),
        ("expired_lock", "lock 1 expires at 1800000000; minExpiry 1800000001 cannot be proven",
         1, 1, 1_800_000_001, "ExpiryTooEarly"),
    ):
        v = _base(name, description, vault, depth, cs, vk_json)
        lk = vault.get_lock(lock_id)
        try:
            prove_lock(vault, lock_id, threshold, min_expiry, pk=pk, cs=cs,
                       dest_chain_id=lk.dest_chain_id)
        except EXPECTED_ERRORS[error] as e:
            message = str(e)
        else:  # pragma: no cover - the generator's own consistency check
            raise AssertionError(f"{name}: prove_lock did not refuse")
        inputs = lock_inputs(vault, lock_id, threshold, min_expiry)
        try:
            cs.solve(inputs)
        except UnsatisfiedConstraint as e:
            constraint = str(e).split(" of circuit")[0]
        else:  # pragma: no cover
            raise AssertionError(f"{name}: the witness satisfies the circuit")
        v.update({
            "lockId": str(lock_id), "threshold": str(threshold), "minExpiry": str(min_expiry),
            "proveAtSize": vault.size,
            "input": _dec(inputs),
            "publicSignals": None, "proof": None, "calldata": None,
            "expected": {"verdict": "unprovable", "error": error, "message": message,
                         "unsatisfiedConstraint": constraint},
        })
        vectors.append(v)

    written = []
    for v in vectors:
        path = out / f"{v['name']}.json"
        write_json_atomic(path, v)
        written.append(path)
    index = {
        "generatedBy": f"{GENERATED_BY} --depth {depth}",
        "statement": f"CollateralLock({depth})",
        "seed": SEED.decode(),
        "warning": "development keys from a public seed: forgeable, for tests only",
        "vectors": [{"file": f"{v['name']}.json", "verdict": v["expected"]["verdict"],
                     "description": v["description"]} for v in vectors],
    }
    write_json_atomic(out / "index.json", index)
    written.append(out / "index.json")
    sol = out / VERIFIER_SOL
    _write_text_atomic(sol, generate_collateral_lock_verifier(vk))
    written.append(sol)
    return written


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


# --- the checker ----------------------------------------------------------------------------------


class VectorMismatch(ZkcollatError):
    """A vector does not check: the message names the file and what differs."""


def _fail(name: str, what: str) -> VectorMismatch:
    return VectorMismatch(f"vector {name}: {what}")


def _json_type(x: Any) -> str:
    for kind, name in ((bool, "boolean"), (int, "number"), (float, "number"), (str, "string"),
                       (list, "list"), (dict, "object")):
        if isinstance(x, kind):
            return name
    return "null"


def _field(doc: Any, path: str, kind: type, prefix: str = "") -> Any:
    """``doc`` at the dotted ``path`` (named ``prefix + path`` in errors), which must exist
    and be of ``kind`` (a JSON boolean is not a number)."""
    here: Any = doc
    walked: list[str] = []
    for key in path.split("."):
        if not isinstance(here, dict):
            where = prefix + ".".join(walked) if walked or prefix else "the vector"
            raise VectorMismatch(f"{where.rstrip('.')} is a JSON {_json_type(here)}, "
                                 "not an object")
        if key not in here:
            raise VectorMismatch(f"field {prefix + '.'.join([*walked, key])!r} is missing")
        here = here[key]
        walked.append(key)
    if not isinstance(here, kind) or (isinstance(here, bool) and kind is not bool):
        raise VectorMismatch(f"{prefix + path} is a JSON {_json_type(here)}, "
                             f"not {_json_type(kind())}")
    return here


def _int_text(doc: Any, path: str) -> int:
    """A decimal integer field, written as a string (as snarkjs writes field elements)."""
    raw = _field(doc, path, str)
    if not raw.isdecimal():
        raise VectorMismatch(f"{path} = {raw[:40]!r} is not a decimal integer")
    return int(raw)


def _check_shape(v: Any) -> None:
    """Refuse a vector whose fields the checker reads are missing or of the wrong JSON type,
    naming the field, before any circuit is compiled (a vector file is hostile input).
    Deeper contents (locks, keys, proofs) are checked by their own readers."""
    if not isinstance(v, dict):
        raise VectorMismatch(f"a vector is a JSON object, not {_json_type(v)}")
    _field(v, "name", str)
    depth = _field(v, "vault.depth", int)
    if not 1 <= depth <= MAX_DEPTH:
        raise VectorMismatch(f"vault.depth must be an integer in 1..{MAX_DEPTH}, not {depth}")
    _field(v, "circuit.nConstraints", int)
    _field(v, "vault.root", str)
    for path in ("vault.locks", "vault.blockRoots"):
        _field(v, path, list)
    for i, b in enumerate(v["vault"]["blockRoots"]):
        where = f"vault.blockRoots[{i}]"
        if not isinstance(b, dict):
            raise VectorMismatch(f"{where} is a JSON {_json_type(b)}, not an object")
        for key, kind in (("size", int), ("blockNumber", int), ("root", str)):
            _field(b, key, kind, prefix=where + ".")
    for path in ("lockId", "threshold", "minExpiry"):
        _int_text(v, path)
    _field(v, "proveAtSize", int)
    for path in ("input", "verificationKey", "expected"):
        _field(v, path, dict)
    verdict = _field(v, "expected.verdict", str)
    if verdict not in ("accept", "reject", "unprovable"):
        raise VectorMismatch(f"expected.verdict is {verdict[:40]!r}, not accept, reject or "
                             "unprovable")
    if verdict == "unprovable":  # no proof: the error the prover must raise
        error = _field(v, "expected.error", str)
        if error not in EXPECTED_ERRORS:
            raise VectorMismatch(f"expected.error {error[:40]!r} is none of "
                                 f"{', '.join(sorted(EXPECTED_ERRORS))}")
    else:
        _field(v, "publicSignals", list)
        _field(v, "proof", dict)
        _field(v, "calldata", dict)


def check_vector(v: dict[str, Any], cs_cache: dict[int, ConstraintSystem] | None = None) -> str:
    """Check one vector (see the module docstring); returns its verdict or raises.

    The vector's shape is checked first (:func:`_check_shape`): a malformed one is refused
    with :class:`VectorMismatch` naming the field."""
    _check_shape(v)
    name = v["name"]
    depth = v["vault"]["depth"]
    cache = cs_cache if cs_cache is not None else {}
    cs = cache.setdefault(depth, CollateralLock(depth).compile())
    if cs.n_constraints != v["circuit"]["nConstraints"]:
        raise _fail(name, f"circuit has {cs.n_constraints} constraints, vector says "
                          f"{v['circuit']['nConstraints']}")
    vault = Vault(depth)
    blocks = {b["size"]: b["blockNumber"] for b in v["vault"]["blockRoots"]}
    for i, raw in enumerate(v["vault"]["locks"]):
        lk = Lock.from_json(raw, f"{name}.vault.locks[{i}]")
        vault.insert(lk, block_number=blocks.get(i + 1))
    if str(vault.root) != v["vault"]["root"]:
        raise _fail(name, f"recomputed root {vault.root} != {v['vault']['root']}")
    for b in v["vault"]["blockRoots"]:
        if str(vault.root_at(b["size"])) != b["root"]:
            raise _fail(name, f"block root of block {b['blockNumber']} differs")
    lock_id, threshold, min_expiry = int(v["lockId"]), int(v["threshold"]), int(v["minExpiry"])
    size = v["proveAtSize"]
    inputs = _dec(lock_inputs(vault, lock_id, threshold, min_expiry, size=size))
    if inputs != v["input"]:
        raise _fail(name, "input.json differs from the one recomputed from the vault")
    verdict = str(v["expected"]["verdict"])
    if verdict == "unprovable":
        try:
            cs.solve(v["input"])
        except UnsatisfiedConstraint:
            pass
        else:
            raise _fail(name, "the circuit is satisfied by inputs that must not be provable")
        lk = vault.get_lock(lock_id)
        expected = EXPECTED_ERRORS[v["expected"]["error"]]
        try:
            prove_lock(vault, lock_id, threshold, min_expiry, pk=None,  # type: ignore[arg-type]
                       cs=cs, dest_chain_id=lk.dest_chain_id, size=size)
        except expected:
            return verdict
        except Exception as e:
            raise _fail(name, f"prove_lock raised {type(e).__name__}, not {expected.__name__}") \
                from e
        raise _fail(name, "prove_lock did not refuse")
    vk = vk_from_json(v["verificationKey"])
    public = [int(x) for x in v["publicSignals"]]
    if name.startswith("valid"):
        honest = cs.public_values(cs.solve(v["input"]))
        if honest != public:
            raise _fail(name, "public signals differ from the circuit's for input.json")
    error = v["expected"].get("error")
    try:
        proof: Proof | None = None
        proof = proof_from_json(v["proof"])
        ok = verify(vk, public, proof)
    except ZkcollatError as e:
        if error is None or verdict != "reject" or error not in str(e):
            raise _fail(name, f"refused with {type(e).__name__}: {e}") from e
    else:
        if error is not None:
            raise _fail(name, f"accepted as input ({ok}), expected a refusal saying {error!r}")
        if ok != (verdict == "accept"):
            raise _fail(name, f"the Python verifier says {ok}, expected verdict {verdict}")
    if proof is None:  # not a valid proof.json: its points as written
        proof = _raw_proof(v["proof"])
    if _calldata(proof, public) != v["calldata"]:
        raise _fail(name, "EVM calldata differs from the recomputed one")
    return verdict


def check_dir(path: Path) -> dict[str, str]:
    """Check every ``*.json`` vector in ``path`` (except ``index.json``); name -> verdict."""
    files = sorted(p for p in path.glob("*.json") if p.name != "index.json")
    if not files:
        raise VectorMismatch(f"no vectors in {path}")
    cache: dict[int, ConstraintSystem] = {}
    out: dict[str, str] = {}
    vks: set[str] = set()
    for p in files:
        try:
            v = limits.read_json(p, "test vector", VECTOR_LIMITS)
            out[p.name] = check_vector(v, cache)
        except LimitError as e:
            raise VectorMismatch(f"{p.name}: {e}") from e
        except VectorMismatch as e:
            raise VectorMismatch(f"{p.name}: {e}") from e
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            # a field the shape check does not cover, deeper in the vector: name the file and
            # the problem in one line rather than a traceback
            raise VectorMismatch(f"{p.name}: malformed vector ({type(e).__name__}: {e})") from e
        vks.add(json.dumps(v["verificationKey"], sort_keys=True))
    if len(vks) != 1:
        raise VectorMismatch(f"the vectors in {path} do not share one verification key")
    sol = path / VERIFIER_SOL
    if not sol.is_file():
        raise VectorMismatch(f"{sol} is missing (the verifier for the vectors' key)")
    if sol.read_text() != generate_collateral_lock_verifier(vk_from_json(json.loads(vks.pop()))):
        raise VectorMismatch(f"{sol} is not the verifier generated from the vectors' key")
    return out
