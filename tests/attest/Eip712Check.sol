// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

contract Eip712Check {
    bytes32 constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 constant ATTESTATION_TYPEHASH = keccak256(
        "RootAttestation(uint256 sourceChainId,address vault,uint64 blockNumber,bytes32 root,uint64 timestamp)"
    );
    bytes32 constant SEIZE_TYPEHASH = keccak256(
        "Seize(uint256 sourceChainId,address vault,uint64 lockId,uint256 amount,uint64 nonce,uint64 deadline)"
    );

    function domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("zkcollat"), keccak256("1"), chainId, verifyingContract));
    }

    function attestationDigest(
        uint256 chainId, address registry, uint256 sourceChainId, address vault,
        uint64 blockNumber, bytes32 root, uint64 timestamp
    ) external pure returns (bytes32) {
        bytes32 s = keccak256(abi.encode(ATTESTATION_TYPEHASH, sourceChainId, vault, blockNumber, root, timestamp));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(chainId, registry), s));
    }

    function seizeDigest(
        uint256 sourceChainId, address vault, uint64 lockId, uint256 amount, uint64 nonce, uint64 deadline
    ) external pure returns (bytes32) {
        bytes32 s = keccak256(abi.encode(SEIZE_TYPEHASH, sourceChainId, vault, lockId, amount, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(sourceChainId, vault), s));
    }

    function signer(bytes32 digest, uint8 v, bytes32 r, bytes32 s) external pure returns (address) {
        return ecrecover(digest, v, r, s);
    }
}
