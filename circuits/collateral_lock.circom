pragma circom 2.1.0;

// CollateralLock(D), PROTOCOL.md s.4.1: the circom twin of
// zkcollat.statements CollateralLock (Python). Same signal names, same public inputs in
// the same order, so one input.json serves both and both give the same public.json.
//
// Holds when the leaf H(lockId, owner, destChainId, assetId, amount, expiry) is in the tree
// with `root`; each pathIndices[k] is 0 or 1; threshold <= amount < 2^128 and
// threshold < 2^128; minExpiry <= expiry < 2^64 and minExpiry < 2^64.
//
// Caveats, as in the Python circuit:
// - lockId, owner, destChainId and assetId carry no range check here: they are bound exactly
//   by the leaf hash; a verifier rejects public inputs >= r, and the execution side compares
//   owner and destChainId with its own values.
// - lockId is public and is the leaf's index (s.3), so the proof does not hide which lock it
//   is; the path elements stay private.

include "circomlib/circuits/poseidon.circom";
include "lib/merkle.circom";
include "lib/compare.circom";

template CollateralLock(D) {
    // Public inputs, declared in the protocol's order: circom numbers the public signals of
    // main in declaration order (not in the order of main's `public` list).
    signal input root;
    signal input destChainId;
    signal input owner;
    signal input assetId;
    signal input lockId;
    signal input threshold;
    signal input minExpiry;
    // Private inputs.
    signal input amount;
    signal input expiry;
    signal input pathElements[D];
    signal input pathIndices[D];

    // Leaf fields in the protocol's order: lockId, owner, destChainId, assetId, amount, expiry.
    component leaf = Poseidon(6);
    leaf.inputs[0] <== lockId;
    leaf.inputs[1] <== owner;
    leaf.inputs[2] <== destChainId;
    leaf.inputs[3] <== assetId;
    leaf.inputs[4] <== amount;
    leaf.inputs[5] <== expiry;

    component merkle = MerkleRoot(D);
    merkle.leaf <== leaf.out;
    merkle.pathElements <== pathElements;
    merkle.pathIndices <== pathIndices;
    root === merkle.root;

    // amount, threshold < 2^128 and amount >= threshold.
    component amountCheck = AssertGreaterEq(128);
    amountCheck.a <== amount;
    amountCheck.b <== threshold;
    // expiry, minExpiry < 2^64 and expiry >= minExpiry.
    component expiryCheck = AssertGreaterEq(64);
    expiryCheck.a <== expiry;
    expiryCheck.b <== minExpiry;
}
