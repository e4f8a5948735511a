pragma circom 2.1.0;
// BalanceThreshold with B = 128 bits (the protocol's default). Compile from the repository root:
//   npx circom2 circuits/main/balance_threshold_128.circom --r1cs --wasm --sym --O2 -l node_modules -o build
include "../balance_threshold.circom";

component main {public [commitment, threshold]} = BalanceThreshold(128);
