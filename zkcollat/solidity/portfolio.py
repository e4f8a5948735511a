"""The Solidity verifier of Portfolio(D, k, m) and its calldata (docs/protocol.md s.4.4).

``PortfolioVerifier`` is the Groth16 verifier of the key (``verifyProof`` on the W + 1 packed
public inputs) plus ``verifyPortfolio`` taking the public values by name, with their Solidity
types (``uint64[k] lockIds``, ``address[m] assetIds``, ``uint128[m] thresholds``, ...): it packs
them into the circuit's words with the layout of :func:`zkcollat.statements.portfolio.layout`
(the same object the circuit unpacks with), in memory, and runs the check on them. ``unpack``
is the inverse, refusing a word with bits outside its layout.
"""

from __future__ import annotations

from zkcollat.errors import SolidityError
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.solidity.calldata import _proof_words, encode_words, selector
from zkcollat.solidity.verifier import (
    _IDENT,
    _check_fragment,
    _context,
    load_template,
    regenerate_hint,
    render,
)
from zkcollat.statements.portfolio import Piece, Portfolio, PortfolioPublic, layout, word_bits

_SOL_TYPE = {"owner": "address", "assetIds": "address", "destChainId": "uint64",
             "minExpiry": "uint64", "lockIds": "uint64", "thresholds": "uint128"}


def _word_expr(p: Piece) -> str:
    ref = p.name if p.entry is None else f"{p.name}[{p.entry}]"
    val = f"uint256(uint160({ref}))" if _SOL_TYPE[p.name] == "address" else f"uint256({ref})"
    return val if p.offset == 0 else f"({val} << {p.offset})"


def _unpack_expr(p: Piece, word: str) -> str:
    typ = _SOL_TYPE[p.name]
    bits = "uint160" if typ == "address" else typ
    shifted = word if p.offset == 0 else f"({word} >> {p.offset})"
    val = f"{bits}({shifted})"  # an explicit narrowing conversion keeps the low bits
    ref = p.name if p.entry is None else f"{p.name}[{p.entry}]"
    return f"{ref} = " + (f"address({val});" if typ == "address" else f"{val};")


def portfolio_signature(slots: int, assets: int) -> str:
    """The canonical signature of ``verifyPortfolio`` for k = ``slots``, m = ``assets``."""
    return (
        "verifyPortfolio(uint256[2],uint256[2][2],uint256[2],uint256,uint64,address,uint64,"
        f"uint64[{slots}],address[{assets}],uint128[{assets}])"
    )


def generate_portfolio_verifier(
    vk: VerifyingKey, slots: int, assets: int, contract_name: str = "PortfolioVerifier"
) -> str:
    """Solidity source of ``<contract_name>`` (and its base ``<contract_name>Groth16``) for a
    Portfolio(D, ``slots``, ``assets``) key; SolidityError if the key has another input count."""
    words = layout(slots, assets)
    n_public = PortfolioPublic.signal_count(slots, assets)
    if vk.n_public != n_public:
        raise SolidityError(
            f"a Portfolio(k={slots}, m={assets}) key has {n_public} public inputs (root and "
            f"{len(words)} packed words); this key has {vk.n_public}"
        )
    if not _IDENT.match(contract_name):
        raise SolidityError(f"contract name {contract_name!r} is not a Solidity identifier")
    base = contract_name + "Groth16"
    pack, unpack, doc = [], [], []
    for w, word in enumerate(words):
        i = w + 1
        pack.append(f"        s[{i}] = " + " | ".join(_word_expr(p) for p in word) + ";")
        nbits = word_bits(word)
        unpack.append(f"        if (s[{i}] >> {nbits} != 0) revert StrayBits({i});")
        unpack += ["        " + _unpack_expr(p, f"s[{i}]") for p in word]
        doc.append({"i": i, "doc": ", ".join(
            f"{p.label} ({_SOL_TYPE[p.name]}) << {p.offset}" for p in word)})
    ctx = _context(vk, base, regenerate_hint(Portfolio) + f" --slots {slots} --assets {assets}")
    ext = {
        "contract_name": contract_name,
        "base_name": base,
        "slots": slots,
        "assets": assets,
        "n_public": n_public,
        "n_words": len(words),
        "words": [{"i": 0, "doc": "root (uint256, < r)"}, *doc],
        "pack": "\n".join(pack),
        "unpack": "\n".join(unpack),
        "check": _check_fragment(vk, pub_in_memory=True),
    }
    ctx["extension"] = render(load_template("PortfolioVerifier.sol.tmpl"), ext)  # type: ignore[arg-type]
    return render(load_template("Groth16Verifier.sol.tmpl"), ctx)  # type: ignore[arg-type]


def verify_portfolio_calldata(proof: Proof, public: PortfolioPublic) -> bytes:
    """Selector + ABI encoding of ``verifyPortfolio(_pA, _pB, _pC, root, destChainId, owner,
    minExpiry, lockIds, assetIds, thresholds)`` (all static: one word per value)."""
    words = [
        *_proof_words(proof), public.root, public.destChainId, public.owner, public.minExpiry,
        *public.lockIds, *public.assetIds, *public.thresholds,
    ]
    sig = portfolio_signature(public.slots, public.assets)
    return selector(sig) + encode_words(words)
