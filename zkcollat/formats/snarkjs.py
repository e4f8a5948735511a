"""snarkjs's JSON files: ``verification_key.json``, ``proof.json`` and ``public.json``.

Readers check everything PROTOCOL.md s.5 asks of a verifier's input and raise an error that
names the field: malformed JSON, wrong protocol or curve, a coordinate >= p, a point not on
its curve, a G2 point outside the r-subgroup, a public signal >= r (never reduced).
"""

from __future__ import annotations

import os
from typing import Any

from zkcollat.curve.points import G1Point, G2Point, g1_from_snarkjs, g2_from_snarkjs
from zkcollat.db import atomic_write_json
from zkcollat.errors import EncodingError, KeyFormatError, ProofFormatError
from zkcollat.field import R, parse_decimal
from zkcollat.formats import limits
from zkcollat.groth16.values import Proof, VerifyingKey, key_problems

#: A JSON document as ``json.loads`` returns it (or its text, which readers parse first).
JsonValue = str | bytes | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]

#: Marker written into keys that come from a single-party (development) setup.
DEV_KEY_NOTE = (
    "development key: made by one party without a multi-party ceremony; not for production"
)


def _obj(data: Any, what: str, exc: type[Exception]) -> dict[str, Any]:
    if isinstance(data, (str, bytes)):
        try:
            data = limits.loads(data, what, limits.SMALL_JSON)
        except limits.LimitError as e:
            raise exc(str(e)) from e
    if not isinstance(data, dict):
        raise exc(f"{what} must be a JSON object")
    return data


def _field(d: dict[str, Any], key: str, what: str, exc: type[Exception]) -> Any:
    if key not in d:
        raise exc(f"{what} has no field {key!r}")
    return d[key]


# --- verification key ---------------------------------------------------------------------------


def vk_to_json(vk: VerifyingKey) -> dict[str, Any]:
    """The snarkjs ``verification_key.json`` object (plus zkcollat's ceremony marker)."""
    out: dict[str, Any] = {
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.n_public,
        "vk_alpha_1": vk.alpha_g1.to_snarkjs(),
        "vk_beta_2": vk.beta_g2.to_snarkjs(),
        "vk_gamma_2": vk.gamma_g2.to_snarkjs(),
        "vk_delta_2": vk.delta_g2.to_snarkjs(),
        "IC": [p.to_snarkjs() for p in vk.gamma_abc_g1],
    }
    if not vk.ceremony:
        out["zkcollat_ceremony"] = False
        out["zkcollat_note"] = DEV_KEY_NOTE
    for k, v in vk.metadata.items():
        out.setdefault(f"zkcollat_{k}", v)
    return out


def vk_from_json(data: Any) -> VerifyingKey:
    """Parse and fully validate a ``verification_key.json`` (dict, or its text)."""
    d = _obj(data, "verification key", KeyFormatError)
    what = "verification key"
    if _field(d, "protocol", what, KeyFormatError) != "groth16":
        raise KeyFormatError(f"verification key protocol is {d['protocol']!r}, expected 'groth16'")
    if _field(d, "curve", what, KeyFormatError) not in ("bn128", "bn254"):
        raise KeyFormatError(f"verification key curve is {d['curve']!r}, expected 'bn128'")
    n_public = _field(d, "nPublic", what, KeyFormatError)
    ic = _field(d, "IC", what, KeyFormatError)
    if not isinstance(n_public, int) or isinstance(n_public, bool) or n_public < 0:
        raise KeyFormatError(f"verification key nPublic = {n_public!r} is not a count")
    if not isinstance(ic, list) or len(ic) != n_public + 1:
        raise KeyFormatError(
            f"verification key IC has {len(ic) if isinstance(ic, list) else '?'} points, "
            f"expected nPublic + 1 = {n_public + 1}"
        )
    try:
        vk = VerifyingKey(
            alpha_g1=g1_from_snarkjs(_field(d, "vk_alpha_1", what, KeyFormatError), "vk_alpha_1"),
            beta_g2=g2_from_snarkjs(_field(d, "vk_beta_2", what, KeyFormatError), "vk_beta_2"),
            gamma_g2=g2_from_snarkjs(_field(d, "vk_gamma_2", what, KeyFormatError), "vk_gamma_2"),
            delta_g2=g2_from_snarkjs(_field(d, "vk_delta_2", what, KeyFormatError), "vk_delta_2"),
            gamma_abc_g1=tuple(g1_from_snarkjs(p, f"IC[{i}]") for i, p in enumerate(ic)),
            ceremony=d.get("zkcollat_ceremony", True) is not False,
        )
    except (EncodingError, ValueError) as e:
        raise KeyFormatError(f"verification key: {e}") from e
    problems = key_problems(vk)
    if problems:
        raise KeyFormatError(f"verification key refused: {'; '.join(problems)}")
    if vk.ceremony and vk.delta_g2 == vk.gamma_g2:
        # delta = gamma: no phase-2 contribution, whatever the file says (PROTOCOL.md s.5)
        vk = vk.replace(ceremony=False)
    return vk


# --- proof -----------------------------------------------------------------------------------


def proof_to_json(proof: Proof) -> dict[str, Any]:
    """The snarkjs ``proof.json`` object."""
    return {
        "pi_a": proof.a.to_snarkjs(),
        "pi_b": proof.b.to_snarkjs(),
        "pi_c": proof.c.to_snarkjs(),
        "protocol": "groth16",
        "curve": "bn128",
    }


def proof_from_json(data: Any) -> Proof:
    """Parse and fully validate a ``proof.json`` (points on curve, G2 in subgroup, coords < p)."""
    d = _obj(data, "proof", ProofFormatError)
    if d.get("protocol", "groth16") != "groth16":
        raise ProofFormatError(f"proof protocol is {d['protocol']!r}, expected 'groth16'")
    if d.get("curve", "bn128") not in ("bn128", "bn254"):
        raise ProofFormatError(f"proof curve is {d['curve']!r}, expected 'bn128'")
    try:
        a: G1Point = g1_from_snarkjs(_field(d, "pi_a", "proof", ProofFormatError), "pi_a")
        b: G2Point = g2_from_snarkjs(_field(d, "pi_b", "proof", ProofFormatError), "pi_b")
        c: G1Point = g1_from_snarkjs(_field(d, "pi_c", "proof", ProofFormatError), "pi_c")
    except (EncodingError, ValueError) as e:
        if isinstance(e, ProofFormatError):
            raise
        raise ProofFormatError(f"proof: {e}") from e
    return Proof(a, b, c)


# --- public signals ----------------------------------------------------------------------------


def public_to_json(public: list[int]) -> list[str]:
    """``public.json``: the public signals as decimal strings, in circuit order."""
    return [str(v) for v in public]


def public_from_json(data: Any) -> list[int]:
    """Parse ``public.json``; every signal must be a canonical decimal string < r."""
    if isinstance(data, (str, bytes)):
        try:
            data = limits.loads(data, "public signals", limits.SMALL_JSON)
        except limits.LimitError as e:
            raise ProofFormatError(str(e)) from e
    if not isinstance(data, list):
        raise ProofFormatError("public signals must be a JSON array of decimal strings")
    try:
        return [parse_decimal(v, R, f"public signal [{i}]") for i, v in enumerate(data)]
    except ValueError as e:
        raise ProofFormatError(str(e)) from e


# --- files -----------------------------------------------------------------------------------


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> None:
    """Write a public JSON file atomically (temporary file, fsync, rename; mode by the umask)."""
    atomic_write_json(path, obj)


def read_json(path: str | os.PathLike[str], what: str) -> Any:
    """Read a JSON file within :data:`zkcollat.formats.limits.DEFAULT` (size, nesting depth,
    digits), with an error that names the file and what it should have been."""
    return limits.read_json(path, what)
