pragma circom 2.1.0;
// CollateralLock with tree depth 20 (the protocol's default). Compile from the repository root:
//   npx circom2 circuits/main/collateral_lock_20.circom --r1cs --wasm --sym --O2 -l node_modules -o build
include "../collateral_lock.circom";

component main {public [root, destChainId, owner, assetId, lockId, threshold, minExpiry]} = CollateralLock(20);
