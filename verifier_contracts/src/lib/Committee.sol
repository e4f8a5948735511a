// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The attesting committee of PROTOCOL.md s.6 as contract state: members, a threshold
/// and an epoch, an EIP-712 domain (name "zkcollat", version "1", this chain, this contract),
/// threshold-signature checks, and `CommitteeRotation` signed by the current threshold.
/// Signatures are 65 bytes each (r, s, v), concatenated in any order; every one must be a
/// distinct member's, with s in the lower half of the curve order.
abstract contract Committee {
    /// @notice `signatures` is not a whole number of 65-byte signatures.
    error SignatureLength(uint256 length);
    /// @notice Signature `index` has s > n/2 (the malleable twin of a valid signature).
    error SignatureHighS(uint256 index);
    /// @notice Signature `index` has v other than 27 or 28.
    error SignatureBadV(uint256 index, uint8 v);
    /// @notice Signature `index` does not recover to any address.
    error SignatureInvalid(uint256 index);
    /// @notice Signature `index` recovers to `signer`, who is not a member of the current epoch.
    error NotCommitteeMember(uint256 index, address signer);
    /// @notice Signature `index` is a second signature of `signer`.
    error DuplicateSigner(uint256 index, address signer);
    /// @notice Only `signers` members signed; `threshold` are needed.
    error BelowThreshold(uint256 signers, uint256 threshold);
    /// @notice A rotation must carry epoch `expected` (the current epoch + 1).
    error WrongEpoch(uint64 expected, uint64 got);
    /// @notice A committee needs 1 to 255 members.
    error CommitteeSize(uint256 members);
    /// @notice Member `index` is the zero address.
    error ZeroMember(uint256 index);
    /// @notice Member `index` (`member`) is listed twice.
    error DuplicateMember(uint256 index, address member);
    /// @notice The threshold must be at least 2 and a strict majority of the members.
    error WeakThreshold(uint8 threshold, uint256 members);

    /// @notice The committee of `epoch` is installed (at deployment: epoch 0).
    event CommitteeRotated(uint64 indexed epoch, address[] members, uint8 threshold);

    /// @dev secp256k1's group order / 2: a valid s is at most this.
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("zkcollat");
    bytes32 private constant VERSION_HASH = keccak256("1");
    /// @notice keccak256 of the `CommitteeRotation` type (PROTOCOL.md s.6).
    bytes32 public constant ROTATION_TYPEHASH =
        keccak256("CommitteeRotation(uint64 epoch,address[] members,uint8 threshold)");

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    /// @notice The current epoch (0 at deployment, +1 per rotation).
    uint64 public epoch;
    /// @notice Signatures a message needs.
    uint8 public threshold;
    address[] private _members;
    /// @dev member => (epoch << 8) | (1-based index); a member of an older epoch does not count.
    mapping(address => uint256) private _memberSlot;

    constructor(address[] memory members_, uint8 threshold_) {
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _separator();
        _install(0, members_, threshold_);
    }

    /// @notice The EIP-712 domain separator of this contract on this chain.
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _separator();
    }

    /// @notice The members of the current epoch.
    function members() external view returns (address[] memory) {
        return _members;
    }

    /// @notice True iff `account` is a member of the current committee.
    function isMember(address account) public view returns (bool) {
        uint256 slot = _memberSlot[account];
        return slot & 0xff != 0 && slot >> 8 == epoch;
    }

    /// @notice Install the committee of `newEpoch` (= epoch + 1), signed by the current threshold.
    /// @param newEpoch the next epoch; an older rotation cannot be replayed
    /// @param newMembers distinct non-zero addresses (1 to 255)
    /// @param newThreshold at least 2 and more than half of `newMembers`
    /// @param signatures the current committee's signatures of the `CommitteeRotation` digest
    function rotateCommittee(
        uint64 newEpoch,
        address[] calldata newMembers,
        uint8 newThreshold,
        bytes calldata signatures
    ) external {
        if (newEpoch != epoch + 1) revert WrongEpoch(epoch + 1, newEpoch);
        bytes32 structHash = keccak256(
            abi.encode(ROTATION_TYPEHASH, newEpoch, keccak256(abi.encodePacked(newMembers)), newThreshold)
        );
        _checkSignatures(structHash, signatures);
        _install(newEpoch, newMembers, newThreshold);
    }

    /// @dev The EIP-712 digest of a struct hash in this contract's domain.
    function _digest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @dev Revert unless `signatures` holds at least `threshold` signatures of the digest of
    /// `structHash`, each by a distinct member of the current epoch.
    function _checkSignatures(bytes32 structHash, bytes calldata signatures) internal view {
        if (signatures.length % 65 != 0) revert SignatureLength(signatures.length);
        bytes32 digest = _digest(structHash);
        uint256 count = signatures.length / 65;
        uint256 seen;
        uint256 currentEpoch = epoch;
        for (uint256 i = 0; i < count; ++i) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                let p := add(signatures.offset, mul(i, 65))
                r := calldataload(p)
                s := calldataload(add(p, 0x20))
                v := byte(0, calldataload(add(p, 0x40)))
            }
            if (uint256(s) > HALF_N) revert SignatureHighS(i);
            if (v != 27 && v != 28) revert SignatureBadV(i, v);
            address signer = ecrecover(digest, v, r, s);
            if (signer == address(0)) revert SignatureInvalid(i);
            uint256 slot = _memberSlot[signer];
            uint256 index = slot & 0xff;
            if (index == 0 || slot >> 8 != currentEpoch) revert NotCommitteeMember(i, signer);
            uint256 bit = 1 << index;
            if (seen & bit != 0) revert DuplicateSigner(i, signer);
            seen |= bit;
        }
        if (count < threshold) revert BelowThreshold(count, threshold);
    }

    function _install(uint64 newEpoch, address[] memory newMembers, uint8 newThreshold) private {
        uint256 n = newMembers.length;
        if (n == 0 || n > 255) revert CommitteeSize(n);
        if (newThreshold < 2 || 2 * uint256(newThreshold) <= n) revert WeakThreshold(newThreshold, n);
        for (uint256 i = 0; i < n; ++i) {
            address m = newMembers[i];
            if (m == address(0)) revert ZeroMember(i);
            uint256 slot = _memberSlot[m];
            if (slot >> 8 == newEpoch && slot & 0xff != 0) revert DuplicateMember(i, m);
            _memberSlot[m] = (uint256(newEpoch) << 8) | (i + 1);
        }
        epoch = newEpoch;
        threshold = newThreshold;
        _members = newMembers;
        emit CommitteeRotated(newEpoch, newMembers, newThreshold);
    }

    function _separator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
