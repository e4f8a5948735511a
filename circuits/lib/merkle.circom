pragma circom 2.1.0;

// Twin of zkcollat.gadgets.merkle.merkle_root (PROTOCOL.md s.3): the root reached from a
// leaf along an authentication path. pathElements[k] is the sibling at level k (k = 0 at the
// leaves); pathIndices[k] is bit k of the leaf index, 1 when the current node is the right
// child. A node is H(left, right), circomlib's Poseidon with 2 inputs.

include "circomlib/circuits/poseidon.circom";

// Per level: the index is constrained boolean (a non-boolean index would let a prover hash a
// mix of the two children), one product for the swap, one Poseidon(2).
// Assumes nothing about the values of leaf and siblings.
template MerkleRoot(D) {
    assert(D >= 1 && D <= 32);
    signal input leaf;
    signal input pathElements[D];
    signal input pathIndices[D];
    signal output root;

    signal cur[D + 1];
    signal d[D];
    component hashers[D];
    cur[0] <== leaf;
    for (var k = 0; k < D; k++) {
        pathIndices[k] * (pathIndices[k] - 1) === 0;
        // d = index * (sibling - cur): (left, right) = (cur + d, sibling - d), which is
        // (cur, sibling) for index 0 and (sibling, cur) for index 1.
        d[k] <== pathIndices[k] * (pathElements[k] - cur[k]);
        hashers[k] = Poseidon(2);
        hashers[k].inputs[0] <== cur[k] + d[k];
        hashers[k].inputs[1] <== pathElements[k] - d[k];
        cur[k + 1] <== hashers[k].out;
    }
    root <== cur[D];
}
