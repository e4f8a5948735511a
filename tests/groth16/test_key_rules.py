"""Verifying-key rules (issue 13): identity alpha/beta/gamma/delta or IC refused on load (JSON,
.zkpk) and by the Solidity generator; delta = gamma is a development key; non-canonical point
encodings refused."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.groth16.circuits import Cube
from zkcollat.curve import load_backend
from zkcollat.curve.points import G1_IDENTITY, G2_IDENTITY, g1_from_snarkjs, g2_from_snarkjs
from zkcollat.errors import EncodingError, KeyFormatError, ProofFormatError, SolidityError
from zkcollat.formats import pkey
from zkcollat.formats.snarkjs import proof_from_json, vk_from_json, vk_to_json
from zkcollat.groth16.keys import ProvingKey, VerifyingKey, is_development_key, key_problems
from zkcollat.groth16.setup import setup
from zkcollat.solidity import generate_verifier

G1_ID_JSON = ["0", "1", "0"]
G2_ID_JSON = [["0", "0"], ["1", "0"], ["0", "0"]]


@pytest.fixture(scope="module")
def keys() -> tuple[ProvingKey, VerifyingKey]:
    return setup(Cube().compile(), seed=b"key-rules", backend=load_backend("native"))


@pytest.mark.parametrize(
    "field, value, name",
    [("vk_alpha_1", G1_ID_JSON, "vk_alpha_1"), ("vk_beta_2", G2_ID_JSON, "vk_beta_2"),
     ("vk_gamma_2", G2_ID_JSON, "vk_gamma_2"), ("vk_delta_2", G2_ID_JSON, "vk_delta_2"),
     ("IC0", G1_ID_JSON, "IC[0]"), ("IC2", G1_ID_JSON, "IC[2]")],
)
def test_identity_points_refused(keys: tuple[ProvingKey, VerifyingKey], field: str,
                                 value: Any, name: str) -> None:
    _, vk = keys
    d = copy.deepcopy(vk_to_json(vk))
    if field.startswith("IC"):
        d["IC"][int(field[2:])] = value
    else:
        d[field] = value
    with pytest.raises(KeyFormatError, match=rf"{name.replace('[', '.').replace(']', '.')} is "
                                             "the identity"):
        vk_from_json(d)
    # the same key as an object: the Solidity generator refuses it too
    if field.startswith("IC"):
        i = int(field[2:])
        ic = list(vk.gamma_abc_g1)
        ic[i] = G1_IDENTITY
        bad = vk.replace(gamma_abc_g1=tuple(ic))
    else:
        attr = {"vk_alpha_1": "alpha_g1", "vk_beta_2": "beta_g2", "vk_gamma_2": "gamma_g2",
                "vk_delta_2": "delta_g2"}[field]
        bad = vk.replace(**{attr: G1_IDENTITY if attr == "alpha_g1" else G2_IDENTITY})
    assert key_problems(bad)
    with pytest.raises(SolidityError, match="identity"):
        generate_verifier(bad)


def test_identity_in_a_proving_key_file_refused(keys: tuple[ProvingKey, VerifyingKey],
                                                tmp_path: Path) -> None:
    pk, vk = keys
    bad = dataclasses.replace(pk, vk=vk.replace(delta_g2=G2_IDENTITY))
    pkey.save(bad, tmp_path / "bad.zkpk")
    with pytest.raises(KeyFormatError, match="vk_delta_2 is the identity"):
        pkey.load(tmp_path / "bad.zkpk", warn=False)


def test_delta_equal_gamma_is_a_development_key(keys: tuple[ProvingKey, VerifyingKey]) -> None:
    _, vk = keys
    d = vk_to_json(vk)
    d.pop("zkcollat_ceremony", None)
    d.pop("zkcollat_note", None)
    assert vk_from_json(d).ceremony  # unmarked, delta != gamma: not development
    d["vk_delta_2"] = d["vk_gamma_2"]
    loaded = vk_from_json(d)
    assert not loaded.ceremony and is_development_key(loaded)
    src = generate_verifier(loaded.replace(ceremony=True))
    assert "DEVELOPMENT KEY: delta = gamma" in src


@pytest.mark.parametrize(
    "point, reader",
    [(["0", "0", "1"], g1_from_snarkjs),
     ([["0", "0"], ["0", "0"], ["1", "0"]], g2_from_snarkjs)],
)
def test_non_canonical_encodings_refused(point: Any, reader: Any) -> None:
    with pytest.raises(EncodingError, match="not a canonical point encoding"):
        reader(point, "P")


def test_non_canonical_point_in_files_refused(keys: tuple[ProvingKey, VerifyingKey]) -> None:
    _, vk = keys
    d = vk_to_json(vk)
    d["IC"][1] = ["0", "0", "1"]
    with pytest.raises(KeyFormatError, match="canonical"):
        vk_from_json(d)
    proof = {"pi_a": ["0", "0", "1"], "pi_b": G2_ID_JSON, "pi_c": G1_ID_JSON,
             "protocol": "groth16", "curve": "bn128"}
    with pytest.raises(ProofFormatError, match="canonical"):
        proof_from_json(proof)
