pragma circom 2.1.0;

// BalanceThreshold(B), PROTOCOL.md s.4.3: the circom twin of the Python statement of the
// same name. Public: commitment, threshold (in this order). Private: amount, blinding.
// Holds when commitment = H(amount, blinding), amount < 2^B, threshold < 2^B and
// amount >= threshold. B is at most 252 (see AssertGreaterEq).
// The blinding is not range-checked: any field element hides the amount equally well.

include "circomlib/circuits/poseidon.circom";
include "lib/compare.circom";

template BalanceThreshold(B) {
    signal input commitment;
    signal input threshold;
    signal input amount;
    signal input blinding;

    component hash = Poseidon(2);
    hash.inputs[0] <== amount;
    hash.inputs[1] <== blinding;
    commitment === hash.out;

    component check = AssertGreaterEq(B);
    check.a <== amount;
    check.b <== threshold;
}
