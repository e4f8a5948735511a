pragma circom 2.1.0;

// MerkleInclusion(D), PROTOCOL.md s.4.2: the circom twin of the Python statement of the same
// name. Public: root, leaf (in this order). Private: pathElements[D], pathIndices[D].
// Each pathIndices[k] is constrained to 0 or 1.

include "lib/merkle.circom";

template MerkleInclusion(D) {
    signal input root;
    signal input leaf;
    signal input pathElements[D];
    signal input pathIndices[D];

    component merkle = MerkleRoot(D);
    merkle.leaf <== leaf;
    merkle.pathElements <== pathElements;
    merkle.pathIndices <== pathIndices;
    root === merkle.root;
}
