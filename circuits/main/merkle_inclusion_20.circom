pragma circom 2.1.0;
// MerkleInclusion with tree depth 20. Compile from the repository root:
//   npx circom2 circuits/main/merkle_inclusion_20.circom --r1cs --wasm --sym --O2 -l node_modules -o build
include "../merkle_inclusion.circom";

component main {public [root, leaf]} = MerkleInclusion(20);
