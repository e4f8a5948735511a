pragma circom 2.1.0;
// Portfolio with tree depth 20, k = 4 slots and m = 2 assets (small enough to compile in the
// tests). Compile from the repository root:
//   npx circom2 circuits/main/portfolio_20_4_2.circom --r1cs --wasm --sym --O2 -l node_modules -o build
include "../portfolio.circom";

component main {public [root, packed]} = Portfolio(20, 4, 2);
