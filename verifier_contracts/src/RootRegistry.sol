// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Committee} from "./lib/Committee.sol";

/// @title RootRegistry (execution chain)
/// @notice Accepts vault roots only through `RootAttestation`s (PROTOCOL.md s.6) signed by the
/// committee's threshold over their EIP-712 digest (domain: "zkcollat", "1", this chain, this
/// contract); keeps every accepted root per (sourceChainId, vault). The committee changes by
/// `rotateCommittee`; its threshold can pause and unpause root acceptance.
contract RootRegistry is Committee {
    /// @notice A zero root is never accepted.
    error ZeroRoot();
    /// @notice blockNumber must exceed the latest accepted one for (sourceChainId, vault).
    error StaleBlock(uint256 sourceChainId, address vault, uint64 blockNumber, uint64 latest);
    /// @notice Root acceptance is paused by the committee.
    error RegistryPaused();
    /// @notice A pause message must change the state and carry the next pause nonce.
    error BadPauseMessage(bool paused, uint64 nonce);

    /// @notice `root` of `vault` on `sourceChainId` at `blockNumber` was accepted.
    event RootAccepted(
        uint256 indexed sourceChainId, address indexed vault, uint64 blockNumber, bytes32 root, uint64 timestamp
    );
    /// @notice Root acceptance was paused or resumed.
    event PauseSet(bool paused, uint64 nonce);

    /// @notice The signed message of PROTOCOL.md s.6.
    struct RootAttestation {
        uint256 sourceChainId;
        address vault;
        uint64 blockNumber;
        bytes32 root;
        uint64 timestamp;
    }

    bytes32 public constant ROOT_TYPEHASH = keccak256(
        "RootAttestation(uint256 sourceChainId,address vault,uint64 blockNumber,bytes32 root,uint64 timestamp)"
    );
    bytes32 public constant PAUSE_TYPEHASH = keccak256("SetPaused(bool paused,uint64 nonce)");

    /// @notice True while root acceptance is paused.
    bool public paused;
    /// @notice Pause messages executed so far (the next one carries this nonce).
    uint64 public pauseNonce;
    /// @notice Latest accepted blockNumber per keccak256(abi.encode(sourceChainId, vault)).
    mapping(bytes32 => uint64) public latestBlock;
    /// @notice The source block at which a root was accepted, per
    /// keccak256(abi.encode(sourceChainId, vault, root)); 0 = never accepted.
    mapping(bytes32 => uint64) public rootBlock;

    constructor(address[] memory committee_, uint8 threshold_) Committee(committee_, threshold_) {}

    /// @notice Accept a root attested by the committee.
    /// @param a the attestation (its blockNumber must exceed the latest for its vault)
    /// @param signatures 65-byte signatures (r, s, v) of distinct members, at least `threshold`
    function submitRoot(RootAttestation calldata a, bytes calldata signatures) external {
        if (paused) revert RegistryPaused();
        if (a.root == bytes32(0)) revert ZeroRoot();
        bytes32 vaultKey = keccak256(abi.encode(a.sourceChainId, a.vault));
        uint64 latest = latestBlock[vaultKey];
        if (a.blockNumber <= latest) revert StaleBlock(a.sourceChainId, a.vault, a.blockNumber, latest);
        _checkSignatures(
            keccak256(abi.encode(ROOT_TYPEHASH, a.sourceChainId, a.vault, a.blockNumber, a.root, a.timestamp)),
            signatures
        );
        latestBlock[vaultKey] = a.blockNumber;
        bytes32 rootKey = keccak256(abi.encode(a.sourceChainId, a.vault, a.root));
        if (rootBlock[rootKey] == 0) rootBlock[rootKey] = a.blockNumber;
        emit RootAccepted(a.sourceChainId, a.vault, a.blockNumber, a.root, a.timestamp);
    }

    /// @notice True iff `root` was accepted for (sourceChainId, vault).
    function isAcceptedRoot(uint256 sourceChainId, address vault, uint256 root) external view returns (bool) {
        return rootBlock[keccak256(abi.encode(sourceChainId, vault, bytes32(root)))] != 0;
    }

    /// @notice Pause or resume root acceptance, signed by the committee's threshold
    /// (`SetPaused(bool paused,uint64 nonce)`, nonce = `pauseNonce`).
    function setPaused(bool paused_, uint64 nonce, bytes calldata signatures) external {
        if (paused_ == paused || nonce != pauseNonce) revert BadPauseMessage(paused_, nonce);
        _checkSignatures(keccak256(abi.encode(PAUSE_TYPEHASH, paused_, nonce)), signatures);
        paused = paused_;
        pauseNonce = nonce + 1;
        emit PauseSet(paused_, nonce);
    }
}
