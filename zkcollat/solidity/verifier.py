"""Generate Solidity Groth16 verifiers from a :class:`~zkcollat.groth16.keys.VerifyingKey`.

The contract is the template ``templates/Groth16Verifier.sol.tmpl`` (a real Solidity file
with ``{{placeholders}}``) rendered from the same ``VerifyingKey`` object that
``zkcollat.formats.snarkjs.vk_to_json`` writes as ``verification_key.json``.

The template language is deliberately tiny: ``{{name}}`` substitutes a value and
``{{#each list}}`` ... ``{{/each}}`` (each on its own line) repeats the lines between them
once per item, with the item's fields as names. Anything left unrendered is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib import resources

from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import SolidityError
from zkcollat.field import P
from zkcollat.groth16.keys import VerifyingKey, is_development_key, key_problems
from zkcollat.statements import CollateralLock, StatementCircuit

#: Public inputs of CollateralLock(D), PROTOCOL.md s.4.1, in public.json order (the registry's).
COLLATERAL_LOCK_PUBLIC = CollateralLock.public_inputs.names()

#: How the generated files say they can be regenerated.
REGENERATE_HINT = (
    "Regenerate: zkcollat export solidity verification_key.json --generic -o <file>.sol"
)


def regenerate_hint(statement: type[StatementCircuit]) -> str:
    return (
        "Regenerate: zkcollat export solidity verification_key.json "
        f"--statement {statement.name} -o <file>.sol"
    )


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EACH = re.compile(r"^[ \t]*\{\{#each (\w+)\}\}\n(.*?)^[ \t]*\{\{/each\}\}\n", re.M | re.S)
_VAR = re.compile(r"\{\{(\w+)\}\}")

Value = str | int
Context = Mapping[str, Value | Sequence[Mapping[str, Value]]]


def load_template(name: str) -> str:
    """The text of a template shipped in ``zkcollat/solidity/templates``."""
    try:
        return (resources.files("zkcollat.solidity") / "templates" / name).read_text("utf-8")
    except FileNotFoundError as exc:
        raise SolidityError(f"template {name!r} is not shipped with zkcollat.solidity") from exc


def render(template: str, context: Context) -> str:
    """Render ``template`` (see the module docstring) with ``context``.

    Raises :class:`SolidityError` naming any placeholder that has no value.
    """

    def scalar(ctx: Mapping[str, object], m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in ctx or isinstance(ctx[key], (list, tuple)):
            raise SolidityError(f"template placeholder {{{{{key}}}}} has no value")
        return str(ctx[key])

    def each(m: re.Match[str]) -> str:
        key, body = m.group(1), m.group(2)
        items = context.get(key)
        if not isinstance(items, (list, tuple)):
            raise SolidityError(f"template block {{{{#each {key}}}}} has no list to repeat")
        return "".join(
            _VAR.sub(lambda v, it=item: scalar({**context, **it}, v), body) for item in items
        )

    out = _EACH.sub(each, template)
    out = _VAR.sub(lambda v: scalar(context, v), out)
    if "{{" in out:
        raise SolidityError("template has a malformed placeholder: " + out[out.index("{{") :][:40])
    return out


def _neg_g1(p: G1Point) -> G1Point:
    return p if p.is_identity() else G1Point(p.x, (P - p.y) % P)


def _neg_g2(p: G2Point) -> G2Point:
    return p if p.is_identity() else G2Point(p.x, ((P - p.y[0]) % P, (P - p.y[1]) % P))


def _check_key(vk: VerifyingKey) -> None:
    if vk.n_public < 1:
        raise SolidityError(
            f"the key has {vk.n_public} public inputs; a Solidity verifier needs at least 1 "
            "(uint[0] is not a valid Solidity type)"
        )
    g1_points = [("alpha_g1", vk.alpha_g1)]
    g1_points += [(f"IC[{i}]", p) for i, p in enumerate(vk.gamma_abc_g1)]
    for name, g1 in g1_points:
        if not isinstance(g1, G1Point) or not g1.is_on_curve():
            raise SolidityError(f"verification key {name} = {g1!r} is not a point of G1")
    for name, g2 in (("beta_g2", vk.beta_g2), ("gamma_g2", vk.gamma_g2), ("delta_g2", vk.delta_g2)):
        if not isinstance(g2, G2Point) or not g2.is_on_curve():
            raise SolidityError(f"verification key {name} is not a point of the G2 twist")
    problems = key_problems(vk)
    if problems:
        raise SolidityError(f"no verifier for this key: {'; '.join(problems)}")


def _g2_words(prefix: str, p: G2Point) -> dict[str, Value]:
    (x1, x0), (y1, y0) = p.to_evm()
    return {f"{prefix}_x1": x1, f"{prefix}_x0": x0, f"{prefix}_y1": y1, f"{prefix}_y0": y0}


def _context(vk: VerifyingKey, contract_name: str, regenerate: str) -> dict[str, object]:
    _check_key(vk)
    if not _IDENT.match(contract_name):
        raise SolidityError(f"contract name {contract_name!r} is not a Solidity identifier")
    neg_alpha = _neg_g1(vk.alpha_g1)
    key_note = (
        "Key from a multi-party ceremony."
        if not is_development_key(vk)
        else "DEVELOPMENT KEY: delta = gamma (no phase-2 contribution); not for production."
        if vk.ceremony
        else "DEVELOPMENT KEY: made by one party without a multi-party ceremony; "
        "not for production."
    )
    return {
        "contract_name": contract_name,
        "regenerate": regenerate,
        "key_note": key_note,
        "n_public": vk.n_public,
        "neg_alpha_x": neg_alpha.x,
        "neg_alpha_y": neg_alpha.y,
        **_g2_words("beta", vk.beta_g2),
        **_g2_words("neg_gamma", _neg_g2(vk.gamma_g2)),
        **_g2_words("neg_delta", _neg_g2(vk.delta_g2)),
        "ic": [{"i": i, "x": p.x, "y": p.y} for i, p in enumerate(vk.gamma_abc_g1)],
        "extension": "",
        "check": _check_fragment(vk),
    }


def _check_fragment(vk: VerifyingKey, *, pub_in_memory: bool = False) -> str:
    """The Yul check (templates/groth16_check.yul.tmpl) with its addresses filled in.

    Calldata addresses are computed from the offsets ``pA, pB, pC, pub`` and memory
    addresses from ``m``, the free memory pointer: the check never assumes where its
    arguments are (verifyProof is public, so it may be called internally) and leaves
    Solidity's memory as it was. With ``pub_in_memory`` the public inputs are read with
    ``mload`` from the memory address ``pub`` (words a contract computed, such as Portfolio's
    packed inputs); A, B and C stay in calldata.
    """
    ctx: dict[str, object] = {}
    for prefix, base, n in (("a", "pA", 2), ("b", "pB", 4), ("c", "pC", 2)):
        for k in range(n):
            ctx[f"{prefix}{k}"] = base if k == 0 else f"add({base}, {hex(32 * k)})"
    ctx.update(pA="pA", pB="pB", pC="pC")
    pub = ["pub" if i == 0 else f"add(pub, {hex(32 * i)})" for i in range(vk.n_public)]
    for off in range(0, 0x300, 0x20):
        ctx[f"m{off:02x}"] = "m" if off == 0 else f"add(m, {hex(off)})"
    load = "mload" if pub_in_memory else "calldataload"
    ctx["inputs"] = [{"i": i + 1, "pub": pub[i], "load": load} for i in range(vk.n_public)]
    template = "".join(
        ln for ln in load_template("groth16_check.yul.tmpl").splitlines(keepends=True)
        if not ln.startswith("//!")
    )
    lines = render(template, ctx).splitlines()  # type: ignore[arg-type]
    return "\n".join(" " * 12 + ln if ln else "" for ln in lines)


def generate_verifier(vk: VerifyingKey, contract_name: str = "Groth16Verifier") -> str:
    """Solidity source of a Groth16 verifier for ``vk`` with snarkjs's ``verifyProof`` interface.

    Raises :class:`SolidityError` for a key with no public input or with a point off its curve.
    """
    ctx = _context(vk, contract_name, REGENERATE_HINT)
    return render(load_template("Groth16Verifier.sol.tmpl"), ctx)  # type: ignore[arg-type]


def _statement_context(
    statement: type[StatementCircuit], contract_name: str, base_name: str
) -> dict[str, object]:
    """The named-argument contract of a statement, from its registry entry."""
    schema = statement.public_inputs.schema()
    args: list[dict[str, Value]] = []
    for i, (name, ftype) in enumerate(schema):
        where = "pub" if i == 0 else f"add(pub, {hex(32 * i)})"
        check = f"eq(calldataload({where}), {name})"
        args.append(
            {
                "i": i,
                "name": name,
                "type": ftype.solidity,
                "sep": "," if i < len(schema) - 1 else "",
                "laid_out": check if i == 0 else f"and(laidOut, {check})",
                "word": ftype.solidity_word(name),
            }
        )
    fr = [name for name, ftype in schema if ftype.bits is None]
    if not fr:
        fr_names = "field elements are"
    else:
        fr_names = " and ".join(fr) + (" is" if len(fr) == 1 else " are")
    return {
        "title": statement.title,
        "section": statement.section,
        "contract_name": contract_name,
        "base_name": base_name,
        "n_public": len(schema),
        "fr_names": fr_names,
        "args": args,
    }


def generate_statement_verifier(
    vk: VerifyingKey, statement: type[StatementCircuit], contract_name: str | None = None
) -> str:
    """Solidity source of ``<Title>Verifier`` for a key of ``statement`` (from the registry):
    the Groth16 verifier plus ``verify<Title>`` taking the public inputs by name, with their
    Solidity types, and ``publicSignals`` ordering them for ``verifyProof``.

    The file holds two contracts: ``<contract_name>Groth16`` (with ``verifyProof``) and
    ``<contract_name>``, which inherits it, so one deployment offers both entry points.
    """
    names = statement.public_inputs.names()
    name = f"{statement.title}Verifier" if contract_name is None else contract_name
    if vk.n_public != len(names):
        raise SolidityError(
            f"a {statement.title} key has {len(names)} public inputs "
            f"({', '.join(names)}); this key has {vk.n_public}"
        )
    if not _IDENT.match(name):
        raise SolidityError(f"contract name {name!r} is not a Solidity identifier")
    base = name + "Groth16"
    ctx = _context(vk, base, regenerate_hint(statement))
    ctx["extension"] = render(
        load_template("StatementVerifier.sol.tmpl"),
        _statement_context(statement, name, base),  # type: ignore[arg-type]
    )
    return render(load_template("Groth16Verifier.sol.tmpl"), ctx)  # type: ignore[arg-type]


def generate_collateral_lock_verifier(
    vk: VerifyingKey, contract_name: str = "CollateralLockVerifier"
) -> str:
    """:func:`generate_statement_verifier` for CollateralLock (7 public inputs):
    ``CollateralLockVerifier`` with ``verifyCollateralLock``."""
    return generate_statement_verifier(vk, CollateralLock, contract_name)
