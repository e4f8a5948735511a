pragma circom 2.1.0;

// Portfolio(D, k, m), docs/protocol.md s.4.4: the circom twin of zkcollat.statements Portfolio
// (Python). Same signal names, same public inputs in the same order (root, packed[W]), so one
// input.json serves both and both give the same public.json.
//
// k lock slots, each empty or a lock of `owner` for `destChainId` in the tree with `root` and
// expiry >= minExpiry; the used slots' lockIds strictly increase; for each of the m listed
// assets j the used slots holding asset j sum to at least thresholds[j].
//
// Slots: slot 0 is always used; slot i >= 1 is used exactly when lockIds[i] != 0 (lock 0 can
// only be in slot 0); no used slot follows an empty one; an empty slot's amount is 0 and it
// takes part in no sum and no membership check (its expiry, assetId and path are free).
// A used slot's asset equals exactly one listed asset (an asset listed twice backs no slot).
//
// Public values are packed into words of at most 253 bits (first-fit decreasing, as
// zkcollat.statements.portfolio.layout; closed form in the functions below):
//   word 0          owner (160) | destChainId << 160
//   word 1 + j      assetIds[j] (160) | u[1 + j] << 160          (j < m)
//   word 1 + m + j  thresholds[j] (128) | u[1 + m + j] << 128    (j < m)
//   then            u[t], t >= 2m + 1, three to a word at offsets 0, 64, 128
// where u = (destChainId, minExpiry, lockIds[0..k)) are the uint64 values; a word ends where
// u ends. Each word is decomposed into exactly its bits (Num2Bits), which range-checks every
// packed value and makes unpacking unique.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "lib/merkle.circom";

// The number of uint64 values: destChainId, minExpiry and the k lockIds.
function pfU64Count(k) { return k + 2; }

// The number of packed words W.
function pfWords(k, m) {
    var rest = pfU64Count(k) - (2 * m + 1);
    if (rest < 0) { rest = 0; }
    return 1 + 2 * m + (rest + 2) \ 3;
}

// The word and bit offset of u[t].
function pfU64Word(t, m) {
    if (t == 0) { return 0; }
    if (t <= 2 * m) { return t; }
    return 2 * m + 1 + (t - (2 * m + 1)) \ 3;
}
function pfU64Offset(t, m) {
    if (t == 0) { return 160; }
    if (t <= m) { return 160; }
    if (t <= 2 * m) { return 128; }
    return 64 * ((t - (2 * m + 1)) % 3);
}

// The bits used by word w.
function pfWordBits(w, k, m) {
    var bits = 0;
    if (w == 0) { bits = 160; }
    else if (w <= m) { bits = 160; }
    else if (w <= 2 * m) { bits = 128; }
    for (var t = 0; t < pfU64Count(k); t++) {
        if (pfU64Word(t, m) == w) { bits += 64; }
    }
    return bits;
}

template Portfolio(D, k, m) {
    assert(D >= 1 && D <= 32);
    assert(k >= 1 && k <= 256);
    assert(m >= 1 && m <= 16);
    var W = pfWords(k, m);
    // Public inputs first, in the statement's order: circom numbers main's public signals in
    // declaration order.
    signal input root;
    signal input packed[W];
    // Private inputs, per slot i; slot i's path is pathElements[i*D .. i*D + D - 1].
    signal input amount[k];
    signal input expiry[k];
    signal input assetId[k];
    signal input pathElements[k * D];
    signal input pathIndices[k * D];

    // --- unpack: every word into exactly its bits ----------------------------------------
    component words[W];
    for (var w = 0; w < W; w++) {
        words[w] = Num2Bits(pfWordBits(w, k, m));
        words[w].in <== packed[w];
    }
    var u[k + 2];
    for (var t = 0; t < k + 2; t++) {
        var acc = 0;
        for (var b = 0; b < 64; b++) {
            acc += words[pfU64Word(t, m)].out[pfU64Offset(t, m) + b] * (1 << b);
        }
        u[t] = acc;
    }
    var owner = 0;
    for (var b = 0; b < 160; b++) { owner += words[0].out[b] * (1 << b); }
    var destChainId = u[0];
    var minExpiry = u[1];
    var assetIds[m];
    var thresholds[m];
    for (var j = 0; j < m; j++) {
        var a = 0;
        for (var b = 0; b < 160; b++) { a += words[1 + j].out[b] * (1 << b); }
        assetIds[j] = a;
        var th = 0;
        for (var b = 0; b < 128; b++) { th += words[1 + m + j].out[b] * (1 << b); }
        thresholds[j] = th;
    }

    // --- the slots ---------------------------------------------------------------------------
    signal used[k];
    component isEmpty[k];
    signal gap[k];
    component gapBits[k];
    component leaf[k];
    component merkle[k];
    component amountBits[k];
    component expiryBits[k];
    component expiryFloorBits[k];
    signal floor[k];
    component isAsset[k][m];
    signal share[k][m];
    for (var i = 0; i < k; i++) {
        var lockId = u[2 + i];
        if (i == 0) {
            used[0] <== 1;
        } else {
            isEmpty[i] = IsZero();
            isEmpty[i].in <== lockId;
            used[i] <== 1 - isEmpty[i].out;
            if (i >= 2) {
                used[i] * (1 - used[i - 1]) === 0;  // no used slot after an empty one
            }
            // used: lockId - previous - 1 in [0, 2^64) (strictly increasing); empty: 0.
            gap[i] <== used[i] * (lockId - u[1 + i] - 1);
            gapBits[i] = Num2Bits(64);
            gapBits[i].in <== gap[i];
            (1 - used[i]) * amount[i] === 0;  // an empty slot holds no amount
        }
        leaf[i] = Poseidon(6);
        leaf[i].inputs[0] <== lockId;
        leaf[i].inputs[1] <== owner;
        leaf[i].inputs[2] <== destChainId;
        leaf[i].inputs[3] <== assetId[i];
        leaf[i].inputs[4] <== amount[i];
        leaf[i].inputs[5] <== expiry[i];
        merkle[i] = MerkleRoot(D);
        merkle[i].leaf <== leaf[i].out;
        for (var l = 0; l < D; l++) {
            merkle[i].pathElements[l] <== pathElements[i * D + l];
            merkle[i].pathIndices[l] <== pathIndices[i * D + l];
        }
        used[i] * (merkle[i].root - root) === 0;  // a used slot's lock is in the tree
        amountBits[i] = Num2Bits(128);
        amountBits[i].in <== amount[i];
        // expiry < 2^64 and expiry - used * minExpiry in [0, 2^64)
        expiryBits[i] = Num2Bits(64);
        expiryBits[i].in <== expiry[i];
        if (i == 0) {
            floor[0] <== minExpiry;
        } else {
            floor[i] <== used[i] * minExpiry;
        }
        expiryFloorBits[i] = Num2Bits(64);
        expiryFloorBits[i].in <== expiry[i] - floor[i];
        // the asset: exactly one listed asset if used; the amount goes to that asset alone
        var matches = 0;
        for (var j = 0; j < m; j++) {
            isAsset[i][j] = IsEqual();
            isAsset[i][j].in[0] <== assetId[i];
            isAsset[i][j].in[1] <== assetIds[j];
            matches += isAsset[i][j].out;
        }
        used[i] * (matches - 1) === 0;
        for (var j = 0; j < m; j++) {
            share[i][j] <== isAsset[i][j].out * amount[i];
        }
    }

    // --- the sums: sum_j < 2^(128 + bitlen(k)), sum_j - thresholds[j] in [0, 2^n) ---------
    var n = 128;
    var kk = k;
    while (kk > 0) { n++; kk = kk \ 2; }
    component sumBits[m];
    component diffBits[m];
    for (var j = 0; j < m; j++) {
        var s = 0;
        for (var i = 0; i < k; i++) { s += share[i][j]; }
        sumBits[j] = Num2Bits(n);
        sumBits[j].in <== s;
        diffBits[j] = Num2Bits(n);
        diffBits[j].in <== s - thresholds[j];
    }
}
