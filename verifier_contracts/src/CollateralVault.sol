// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "./interfaces/IERC20.sol";
import {Committee} from "./lib/Committee.sol";
import {Poseidon} from "./lib/Poseidon.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";
import {SafeTransfer} from "./lib/SafeTransfer.sol";
import {ZeroHashes} from "./lib/ZeroHashes.sol";

/// @title CollateralVault (source chain)
/// @notice Holds collateral locks (PROTOCOL.md s.3): `lock` pulls an allow-listed ERC-20 and
/// appends the leaf H(lockId, owner, destChainId, assetId, amount, expiry) (Poseidon, 6 inputs)
/// to a pending queue; `commitRoot` inserts the pending leaves into the append-only Merkle tree
/// of depth `depth` in one batch and records the root, so the root the committee attests is a
/// fact of this chain. A lock leaves the vault by `withdraw` (depositor, after
/// `expiry + withdrawGrace`, or at once after a release), by `release` or by `seize`, the
/// committee-attested messages of PROTOCOL.md s.7.
contract CollateralVault is Committee, ReentrancyGuard {
    using SafeTransfer for address;

    // --- errors ---------------------------------------------------------------------------------
    /// @notice The tree depth must be 1..32.
    error BadDepth(uint8 depth);
    /// @notice Only the admin may change the token allow-list.
    error NotAdmin(address caller);
    /// @notice `token` is not on the allow-list.
    error TokenNotAllowed(address token);
    /// @notice `amount` must be 1 .. 2^128 - 1 base units.
    error BadAmount(uint256 amount);
    /// @notice The vault received `received` base units where `amount` were sent: a
    /// fee-on-transfer or rebasing token, refused.
    error AmountNotReceived(uint256 amount, uint256 received);
    /// @notice The lock's expiry must be in the future.
    error ExpiryInPast(uint64 expiry, uint256 nowTs);
    /// @notice No seize recipient is registered for `destChainId`.
    error UnknownDestination(uint64 destChainId);
    /// @notice The owner (on the destination chain) must not be the zero address.
    error ZeroOwner();
    /// @notice The tree holds `capacity` = 2^depth leaves and is full.
    error VaultFull(uint256 capacity);
    /// @notice There are no pending locks to commit.
    error NothingToCommit();
    /// @notice `lockId` does not exist.
    error UnknownLock(uint64 lockId);
    /// @notice Only the lock's depositor may withdraw it.
    error NotDepositor(uint64 lockId, address caller);
    /// @notice The lock may be withdrawn from `unlockTime` on.
    error LockStillFrozen(uint64 lockId, uint256 unlockTime);
    /// @notice The lock has nothing left to withdraw.
    error NothingToWithdraw(uint64 lockId);
    /// @notice The lock is not active (already released, seized or withdrawn).
    error LockNotActive(uint64 lockId, LockStatus status);
    /// @notice A committee message's deadline has passed.
    error DeadlinePassed(uint64 deadline, uint256 nowTs);
    /// @notice The nonce of a committee message was used before.
    error NonceUsed(uint64 nonce);
    /// @notice The recipient must not be the zero address.
    error ZeroRecipient();
    /// @notice A token must not be the zero address; at most 65535 tokens are ever listed.
    error BadToken(address token);
    /// @notice Every destination chain needs exactly one recipient.
    error RecipientsLength(uint256 chains, uint256 recipients);

    // --- events ---------------------------------------------------------------------------------
    /// @notice A lock was created; its leaf is pending until the next `commitRoot`.
    event Locked(
        uint64 indexed lockId,
        address indexed depositor,
        address indexed token,
        address owner,
        uint64 destChainId,
        uint128 amount,
        uint64 expiry,
        uint256 leaf
    );
    /// @notice The pending leaves up to `leafCount` were inserted; `root` is the new root.
    event RootCommitted(uint256 indexed root, uint64 leafCount, uint64 blockNumber);
    /// @notice `amount` of the lock went back to its depositor.
    event Withdrawn(uint64 indexed lockId, address indexed depositor, uint128 amount);
    /// @notice The committee released the lock (message `nonce`).
    event Released(uint64 indexed lockId, uint64 nonce);
    /// @notice The committee seized the lock: `paid` went to `recipient`, `remainder` stays
    /// withdrawable by the depositor.
    event Seized(uint64 indexed lockId, uint64 nonce, address indexed recipient, uint128 paid, uint128 remainder);
    /// @notice `token` was added to (`allowed`) or removed from the allow-list.
    event TokenAllowed(address indexed token, bool allowed);
    /// @notice Seizes of locks for `destChainId` pay `recipient`.
    event RecipientSet(uint64 indexed destChainId, address recipient);

    // --- types and state ------------------------------------------------------------------------
    /// @notice Active: frozen; Released: withdrawable at once; Seized: the remainder is
    /// withdrawable; Withdrawn: closed.
    enum LockStatus {
        None,
        Active,
        Released,
        Seized,
        Withdrawn
    }

    /// @dev Two slots: depositor | expiry | status | token index, then amount | destChainId.
    struct Lock {
        address depositor;
        uint64 expiry;
        LockStatus status;
        uint16 tokenIndex;
        uint128 amount;
        uint64 destChainId;
    }

    bytes32 public constant RELEASE_TYPEHASH =
        keccak256("Release(uint256 sourceChainId,address vault,uint64 lockId,uint64 nonce,uint64 deadline)");
    bytes32 public constant SEIZE_TYPEHASH = keccak256(
        "Seize(uint256 sourceChainId,address vault,uint64 lockId,uint256 amount,uint64 nonce,uint64 deadline)"
    );
    bytes32 public constant SET_RECIPIENT_TYPEHASH =
        keccak256("SetRecipient(uint64 destChainId,address recipient,uint64 nonce,uint64 deadline)");

    /// @notice Depth of the tree (capacity 2^depth locks).
    uint8 public immutable depth;
    /// @notice Seconds after a lock's expiry before its depositor may withdraw (>= the
    /// liquidation latency L, so a seize in flight lands first).
    uint64 public immutable withdrawGrace;
    /// @notice Poseidon contracts: 2 inputs; 6 inputs in three segments.
    address public immutable poseidon2;
    address public immutable poseidon6a;
    address public immutable poseidon6b;
    address public immutable poseidon6c;
    /// @notice May change the token allow-list (never moves a lock).
    address public immutable admin;

    /// @notice Number of locks created (the next lockId).
    uint64 public lockCount;
    /// @notice Number of leaves in the tree (locks committed).
    uint64 public leafCount;
    /// @notice The latest committed root (0 before the first commit).
    uint256 public currentRoot;

    mapping(uint64 => Lock) private _locks;
    /// @dev Leaves of locks not yet committed, by lockId (deleted at commit).
    mapping(uint64 => uint256) private _pending;
    /// @dev Per level, the last left node inserted (the frontier).
    mapping(uint256 => uint256) private _frontier;
    /// @notice Root after `leafCount` leaves, for every committed count.
    mapping(uint64 => uint256) public rootAt;
    /// @notice The block in which a root was committed (0: never a root of this vault).
    mapping(uint256 => uint64) public rootBlock;
    /// @notice Seize recipient per destination chain.
    mapping(uint64 => address) public recipientOf;
    /// @notice Used committee-message nonces (unordered: each at most once).
    mapping(uint64 => bool) public nonceUsed;

    address[] private _tokens;
    mapping(address => uint16) private _tokenIndex1; // 1-based; 0 = never listed
    mapping(address => bool) public tokenAllowed;
    /// @notice Base units of each token owed to depositors (live locks and seize remainders).
    mapping(address => uint256) public totalHeld;

    /// @param depth_ tree depth 1..32 (PROTOCOL.md s.3; default 20)
    /// @param withdrawGrace_ seconds after expiry before a withdrawal
    /// @param hashers_ Poseidon contracts: [2-input, 6-input segment 0, 1, 2]
    /// @param tokens_ initial allow-list
    /// @param destChainIds destination chains with their seize `recipients`
    /// @param committee_ members of epoch 0; `threshold_` of them sign a message
    constructor(
        uint8 depth_,
        uint64 withdrawGrace_,
        address[4] memory hashers_,
        address[] memory tokens_,
        uint64[] memory destChainIds,
        address[] memory recipients,
        address[] memory committee_,
        uint8 threshold_
    ) Committee(committee_, threshold_) {
        if (depth_ == 0 || depth_ > 32) revert BadDepth(depth_);
        depth = depth_;
        withdrawGrace = withdrawGrace_;
        poseidon2 = hashers_[0];
        poseidon6a = hashers_[1];
        poseidon6b = hashers_[2];
        poseidon6c = hashers_[3];
        admin = msg.sender;
        for (uint256 i = 0; i < tokens_.length; ++i) {
            _allow(tokens_[i], true);
        }
        if (destChainIds.length != recipients.length) {
            revert RecipientsLength(destChainIds.length, recipients.length);
        }
        for (uint256 i = 0; i < destChainIds.length; ++i) {
            _setRecipient(destChainIds[i], recipients[i]);
        }
    }

    // --- locks ----------------------------------------------------------------------------------

    /// @notice Lock `amount` of `token` for `owner` on chain `destChainId` until `expiry`.
    /// @dev Pulls the token (allowance needed); the amount the vault actually receives must be
    /// `amount`. The leaf is pending until the next `commitRoot`.
    /// @return lockId the new lock's id (= its leaf index)
    function lock(address token, uint128 amount, address owner, uint64 destChainId, uint64 expiry)
        external
        nonReentrant
        returns (uint64 lockId)
    {
        if (!tokenAllowed[token]) revert TokenNotAllowed(token);
        if (amount == 0) revert BadAmount(amount);
        if (owner == address(0)) revert ZeroOwner();
        if (expiry <= block.timestamp) revert ExpiryInPast(expiry, block.timestamp);
        if (recipientOf[destChainId] == address(0)) revert UnknownDestination(destChainId);
        lockId = lockCount;
        if (uint256(lockId) >> depth != 0) revert VaultFull(uint256(1) << depth);

        uint256 leaf = Poseidon.hash6(
            poseidon6a,
            poseidon6b,
            poseidon6c,
            [uint256(lockId), uint160(owner), destChainId, uint160(token), amount, expiry]
        );
        lockCount = lockId + 1;
        _locks[lockId] = Lock({
            depositor: msg.sender,
            expiry: expiry,
            status: LockStatus.Active,
            tokenIndex: _tokenIndex1[token] - 1,
            amount: amount,
            destChainId: destChainId
        });
        _pending[lockId] = leaf;
        totalHeld[token] += amount;
        emit Locked(lockId, msg.sender, token, owner, destChainId, amount, expiry, leaf);

        uint256 before = IERC20(token).balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert AmountNotReceived(amount, received);
    }

    /// @notice Insert every pending leaf into the tree and record the new root.
    function commitRoot() external returns (uint256 root) {
        return _commit(lockCount);
    }

    /// @notice Insert the pending leaves up to `count` locks in total (bounded gas).
    function commitRootUpTo(uint64 count) external returns (uint256 root) {
        if (count > lockCount) count = lockCount;
        return _commit(count);
    }

    function _commit(uint64 end) private returns (uint256 root) {
        uint64 start = leafCount;
        if (end <= start) revert NothingToCommit();
        uint256 n = end - start;
        uint256[] memory nodes = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint64 id = uint64(start + i);
            nodes[i] = _pending[id];
            delete _pending[id];
        }
        bytes memory zeros = ZeroHashes.TABLE;
        address h = poseidon2;
        uint256 first = start;
        uint256 last = end - 1;
        // next: position, at the current level, of the ancestor of the next leaf to come. A
        // later commit reads the frontier of a level only if next is odd (its left sibling,
        // at next - 1, is then complete), so it is written only then.
        uint256 next = end;
        uint256 d = depth;
        for (uint256 level = 0; level < d; ++level) {
            // nodes[0 ..] hold positions first .. last of this level; their parents overwrite
            // nodes[0 ..] (a parent is written at an index never above its left child's).
            uint256 k = 0;
            uint256 j = 0;
            uint256 pos = first;
            if (pos & 1 == 1) {
                // The left sibling is complete and was stored by an earlier commit.
                nodes[0] = Poseidon.hash2(h, _frontier[level], nodes[0]);
                k = 1;
                j = 1;
                pos += 1;
            }
            for (; pos < last; pos += 2) {
                uint256 left = nodes[k];
                // The last pair's left node: the sibling a later commit may start next to.
                if (pos + 1 == last && next == last) _frontier[level] = left;
                nodes[j] = Poseidon.hash2(h, left, nodes[k + 1]);
                k += 2;
                ++j;
            }
            if (pos == last) {
                // The last node is a left child whose right sibling is still empty.
                uint256 left = nodes[k];
                if (next == last + 1) _frontier[level] = left;
                uint256 z;
                assembly ("memory-safe") {
                    z := mload(add(add(zeros, 0x20), shl(5, level)))
                }
                nodes[j] = Poseidon.hash2(h, left, z);
            }
            first >>= 1;
            last >>= 1;
            next >>= 1;
        }
        root = nodes[0];
        leafCount = end;
        currentRoot = root;
        rootAt[end] = root;
        if (rootBlock[root] == 0) rootBlock[root] = uint64(block.number);
        emit RootCommitted(root, end, uint64(block.number));
    }

    /// @notice Pay the depositor what the lock still holds: the whole amount after
    /// `expiry + withdrawGrace` or after a release; the remainder after a seize.
    function withdraw(uint64 lockId) external nonReentrant {
        Lock storage l = _locks[lockId];
        LockStatus status = l.status;
        if (status == LockStatus.None) revert UnknownLock(lockId);
        if (l.depositor != msg.sender) revert NotDepositor(lockId, msg.sender);
        if (status == LockStatus.Active) {
            uint256 unlockTime = uint256(l.expiry) + withdrawGrace;
            if (block.timestamp < unlockTime) revert LockStillFrozen(lockId, unlockTime);
        } else if (status == LockStatus.Withdrawn) {
            revert NothingToWithdraw(lockId);
        }
        uint128 amount = l.amount;
        if (amount == 0) revert NothingToWithdraw(lockId);
        address token = _tokens[l.tokenIndex];
        l.status = LockStatus.Withdrawn;
        l.amount = 0;
        totalHeld[token] -= amount;
        emit Withdrawn(lockId, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Execute a committee-attested `Release` (PROTOCOL.md s.7): the lock becomes
    /// withdrawable by its depositor at once.
    /// @param signatures the committee's signatures of the Release digest (this vault's domain)
    function release(uint64 lockId, uint64 nonce, uint64 deadline, bytes calldata signatures) external {
        _checkMessage(nonce, deadline);
        _checkSignatures(
            keccak256(abi.encode(RELEASE_TYPEHASH, block.chainid, address(this), lockId, nonce, deadline)),
            signatures
        );
        Lock storage l = _locks[lockId];
        if (l.status != LockStatus.Active) revert LockNotActive(lockId, l.status);
        nonceUsed[nonce] = true;
        l.status = LockStatus.Released;
        emit Released(lockId, nonce);
    }

    /// @notice Execute a committee-attested `Seize`: pay min(`amount`, lock amount) to the
    /// recipient registered for the lock's destination chain; the rest stays withdrawable by
    /// the depositor (pulled with `withdraw`).
    function seize(uint64 lockId, uint256 amount, uint64 nonce, uint64 deadline, bytes calldata signatures)
        external
        nonReentrant
    {
        _checkMessage(nonce, deadline);
        _checkSignatures(
            keccak256(abi.encode(SEIZE_TYPEHASH, block.chainid, address(this), lockId, amount, nonce, deadline)),
            signatures
        );
        Lock storage l = _locks[lockId];
        if (l.status != LockStatus.Active) revert LockNotActive(lockId, l.status);
        uint128 held = l.amount;
        uint128 paid = amount < held ? uint128(amount) : held;
        uint128 remainder = held - paid;
        address recipient = recipientOf[l.destChainId];
        address token = _tokens[l.tokenIndex];
        nonceUsed[nonce] = true;
        l.status = LockStatus.Seized;
        l.amount = remainder;
        totalHeld[token] -= paid;
        emit Seized(lockId, nonce, recipient, paid, remainder);
        if (paid > 0) token.safeTransfer(recipient, paid);
    }

    /// @notice Change the seize recipient for `destChainId`, signed by the committee
    /// (`SetRecipient(uint64 destChainId,address recipient,uint64 nonce,uint64 deadline)`).
    function setRecipient(
        uint64 destChainId,
        address recipient,
        uint64 nonce,
        uint64 deadline,
        bytes calldata signatures
    ) external {
        _checkMessage(nonce, deadline);
        _checkSignatures(
            keccak256(abi.encode(SET_RECIPIENT_TYPEHASH, destChainId, recipient, nonce, deadline)), signatures
        );
        nonceUsed[nonce] = true;
        _setRecipient(destChainId, recipient);
    }

    /// @notice Add `token` to or remove it from the allow-list (admin). Only plain ERC-20s
    /// belong there: fee-on-transfer tokens are refused at `lock`, rebasing ones must never be
    /// listed. Removing a token blocks new locks only.
    function setTokenAllowed(address token, bool allowed) external {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _allow(token, allowed);
    }

    // --- views ----------------------------------------------------------------------------------

    /// @notice The lock's record and its token.
    function getLock(uint64 lockId) external view returns (Lock memory l, address token) {
        l = _locks[lockId];
        if (l.status == LockStatus.None) revert UnknownLock(lockId);
        token = _tokens[l.tokenIndex];
    }

    /// @notice Leaf of a lock not yet committed (0 once committed or if unknown).
    function pendingLeaf(uint64 lockId) external view returns (uint256) {
        return _pending[lockId];
    }

    /// @notice The allow-listed tokens ever added, in order (check `tokenAllowed`).
    function tokens() external view returns (address[] memory) {
        return _tokens;
    }

    // --- internals ------------------------------------------------------------------------------

    function _checkMessage(uint64 nonce, uint64 deadline) private view {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        if (nonceUsed[nonce]) revert NonceUsed(nonce);
    }

    function _setRecipient(uint64 destChainId, address recipient) private {
        if (recipient == address(0)) revert ZeroRecipient();
        recipientOf[destChainId] = recipient;
        emit RecipientSet(destChainId, recipient);
    }

    function _allow(address token, bool allowed) private {
        if (_tokenIndex1[token] == 0) {
            if (token == address(0) || _tokens.length == type(uint16).max) revert BadToken(token);
            _tokens.push(token);
            _tokenIndex1[token] = uint16(_tokens.length);
        }
        tokenAllowed[token] = allowed;
        emit TokenAllowed(token, allowed);
    }
}
