pragma circom 2.1.0;

// Twin of zkcollat.gadgets.compare.assert_greater_eq: a >= b for a, b < 2^n, by bit
// decomposition (PROTOCOL.md s.4: integers are range-checked, never assumed).

include "circomlib/circuits/bitify.circom";

// Constrains a < 2^n, b < 2^n and a - b in [0, 2^n), i.e. a >= b.
// n must be at most 252: then a - b, when a < b, is r - k with 1 <= k < 2^n, which is far
// above 2^n (r > 2^253), so its n-bit decomposition fails; with n >= 253 it could wrap.
// Cost: 3 Num2Bits(n), 3n boolean constraints (their recombinations are linear and are folded
// away by --O2; the Python circuit counts them: 3n + 3).
template AssertGreaterEq(n) {
    assert(n >= 1 && n <= 252);
    signal input a;
    signal input b;

    // Each decomposition also bounds its input (n boolean bits that recombine to it).
    component aBits = Num2Bits(n);
    aBits.in <== a;
    component bBits = Num2Bits(n);
    bBits.in <== b;
    component diffBits = Num2Bits(n);
    diffBits.in <== a - b;
}
