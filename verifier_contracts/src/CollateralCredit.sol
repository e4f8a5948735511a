// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "./interfaces/IERC20.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";
import {SafeTransfer} from "./lib/SafeTransfer.sol";

interface IRootRegistry {
    function isAcceptedRoot(uint256 sourceChainId, address vault, uint256 root) external view returns (bool);
}

interface ICollateralLockVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[7] calldata pubSignals
    ) external view returns (bool);
}

/// @title CollateralCredit (execution chain)
/// @notice Credits a proven collateral lock (PROTOCOL.md s.7) once per (sourceChainId, vault,
/// lockId); the venue's settlement account marks a credit released or seized, which emits the
/// `Release`/`Seize` message the committee attests for the vault. Also holds the venue's
/// quote-currency cash: anyone deposits for their own account; withdrawals need the
/// settlement account's approval (after its margin check).
contract CollateralCredit is ReentrancyGuard {
    using SafeTransfer for address;

    /// @notice The proof's root is not an accepted root of (sourceChainId, vault).
    error RootNotAccepted(uint256 sourceChainId, address vault, uint256 root);
    /// @notice The proof names destination chain `destChainId`, not this chain.
    error WrongDestination(uint256 destChainId, uint256 thisChain);
    /// @notice The proof's owner is not the caller.
    error NotOwner(uint256 owner, address caller);
    /// @notice minExpiry must leave the liquidation window: minExpiry > now + window.
    error ExpiryTooSoon(uint256 minExpiry, uint256 earliest);
    /// @notice A public input is out of its range (lockId < 2^64, threshold < 2^128, ...).
    error PublicInputOutOfRange(uint256 index, uint256 value);
    /// @notice The lock was credited before.
    error AlreadyCredited(uint256 sourceChainId, address vault, uint64 lockId);
    /// @notice The Groth16 proof does not verify.
    error InvalidProof();
    /// @notice Only the settlement account may do this.
    error NotSettlement(address caller);
    /// @notice The credit is not active (never granted, or already released or seized).
    error CreditNotActive(bytes32 key);
    /// @notice A seize may not exceed the credited threshold.
    error SeizeAboveCredit(uint256 amount, uint256 threshold);
    /// @notice Amount must be positive; the token must deliver exactly what was sent.
    error BadCashAmount(uint256 amount, uint256 received);
    /// @notice The withdrawal exceeds the approved amount or the balance.
    error WithdrawalNotApproved(address account, uint256 amount, uint256 approved, uint256 balance);

    /// @notice A lock was credited to `owner` for `threshold` units of `assetId` until `minExpiry`.
    event Credited(
        bytes32 indexed key,
        uint256 indexed sourceChainId,
        address indexed vault,
        uint64 lockId,
        address owner,
        address assetId,
        uint128 threshold,
        uint64 minExpiry,
        uint256 root
    );
    /// @notice The Release message (PROTOCOL.md s.7) for the vault; the credit is closed.
    event Release(
        uint256 indexed sourceChainId, address indexed vault, uint64 indexed lockId, uint64 nonce, uint64 deadline
    );
    /// @notice The Seize message for the vault; the credit is closed.
    event Seize(
        uint256 indexed sourceChainId,
        address indexed vault,
        uint64 indexed lockId,
        uint256 amount,
        uint64 nonce,
        uint64 deadline
    );
    event CashDeposited(address indexed account, uint256 amount);
    event WithdrawalApproved(address indexed account, uint256 amount);
    event CashWithdrawn(address indexed account, uint256 amount);

    enum CreditStatus {
        None,
        Active,
        Released,
        Seized
    }

    /// @dev One slot: owner | minExpiry | status; one slot: threshold.
    struct Credit {
        address owner;
        uint64 minExpiry;
        CreditStatus status;
        uint128 threshold;
    }

    /// @notice The Groth16 proof of CollateralLock (pi_a, pi_b, pi_c as snarkjs's calldata).
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    IRootRegistry public immutable registry;
    ICollateralLockVerifier public immutable verifier;
    address public immutable settlement;
    address public immutable quoteToken;
    /// @notice Seconds before minExpiry at which a credit stops counting.
    uint64 public immutable liquidationWindow;

    mapping(bytes32 => Credit) public credits;
    /// @notice Messages emitted so far; the next Release/Seize carries this nonce.
    uint64 public messageNonce;
    mapping(address => uint256) public cash;
    mapping(address => uint256) public approvedWithdrawal;

    constructor(
        IRootRegistry registry_,
        ICollateralLockVerifier verifier_,
        address settlement_,
        address quoteToken_,
        uint64 liquidationWindow_
    ) {
        registry = registry_;
        verifier = verifier_;
        settlement = settlement_;
        quoteToken = quoteToken_;
        liquidationWindow = liquidationWindow_;
    }

    /// @notice The key of a credit: keccak256(abi.encode(sourceChainId, vault, lockId)).
    function creditKey(uint256 sourceChainId, address vault, uint64 lockId) public pure returns (bytes32) {
        return keccak256(abi.encode(sourceChainId, vault, lockId));
    }

    /// @notice Credit the lock proven by `proof` to the caller.
    /// @param pub root, destChainId, owner, assetId, lockId, threshold, minExpiry (public.json order)
    function credit(uint256 sourceChainId, address vault, Proof calldata proof, uint256[7] calldata pub)
        external
        returns (bytes32 key)
    {
        if (pub[1] != block.chainid) revert WrongDestination(pub[1], block.chainid);
        if (pub[2] != uint256(uint160(msg.sender))) revert NotOwner(pub[2], msg.sender);
        if (pub[3] >> 160 != 0) revert PublicInputOutOfRange(3, pub[3]);
        if (pub[4] >> 64 != 0) revert PublicInputOutOfRange(4, pub[4]);
        if (pub[5] >> 128 != 0) revert PublicInputOutOfRange(5, pub[5]);
        if (pub[6] >> 64 != 0) revert PublicInputOutOfRange(6, pub[6]);
        uint256 earliest = block.timestamp + liquidationWindow;
        if (pub[6] <= earliest) revert ExpiryTooSoon(pub[6], earliest);
        uint64 lockId = uint64(pub[4]);
        key = creditKey(sourceChainId, vault, lockId);
        if (credits[key].status != CreditStatus.None) revert AlreadyCredited(sourceChainId, vault, lockId);
        if (!registry.isAcceptedRoot(sourceChainId, vault, pub[0])) {
            revert RootNotAccepted(sourceChainId, vault, pub[0]);
        }
        if (!verifier.verifyProof(proof.a, proof.b, proof.c, pub)) revert InvalidProof();
        credits[key] = Credit({
            owner: msg.sender,
            minExpiry: uint64(pub[6]),
            status: CreditStatus.Active,
            threshold: uint128(pub[5])
        });
        emit Credited(
            key, sourceChainId, vault, lockId, msg.sender, address(uint160(pub[3])), uint128(pub[5]), uint64(pub[6]), pub[0]
        );
    }

    /// @notice True iff the credit is active and before minExpiry - liquidationWindow.
    function isCounting(bytes32 key) external view returns (bool) {
        Credit storage c = credits[key];
        return c.status == CreditStatus.Active && block.timestamp + liquidationWindow < c.minExpiry;
    }

    /// @notice Close a credit and emit the Release message for its vault (settlement only).
    function markReleased(uint256 sourceChainId, address vault, uint64 lockId, uint64 deadline)
        external
        returns (uint64 nonce)
    {
        Credit storage c = _closing(sourceChainId, vault, lockId);
        c.status = CreditStatus.Released;
        nonce = messageNonce++;
        emit Release(sourceChainId, vault, lockId, nonce, deadline);
    }

    /// @notice Close a credit and emit the Seize message of `amount` (<= its threshold).
    function markSeized(uint256 sourceChainId, address vault, uint64 lockId, uint256 amount, uint64 deadline)
        external
        returns (uint64 nonce)
    {
        Credit storage c = _closing(sourceChainId, vault, lockId);
        if (amount > c.threshold) revert SeizeAboveCredit(amount, c.threshold);
        c.status = CreditStatus.Seized;
        nonce = messageNonce++;
        emit Seize(sourceChainId, vault, lockId, amount, nonce, deadline);
    }

    /// @notice Deposit `amount` of the quote token to the caller's cash account.
    function depositCash(uint256 amount) external nonReentrant {
        if (amount == 0) revert BadCashAmount(amount, 0);
        uint256 before = IERC20(quoteToken).balanceOf(address(this));
        quoteToken.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(quoteToken).balanceOf(address(this)) - before;
        if (received != amount) revert BadCashAmount(amount, received);
        cash[msg.sender] += amount;
        emit CashDeposited(msg.sender, amount);
    }

    /// @notice Let `account` withdraw up to `amount` (settlement, after its margin check).
    function approveWithdrawal(address account, uint256 amount) external {
        if (msg.sender != settlement) revert NotSettlement(msg.sender);
        approvedWithdrawal[account] = amount;
        emit WithdrawalApproved(account, amount);
    }

    /// @notice Withdraw approved cash.
    function withdrawCash(uint256 amount) external nonReentrant {
        uint256 approved = approvedWithdrawal[msg.sender];
        uint256 balance = cash[msg.sender];
        if (amount == 0 || amount > approved || amount > balance) {
            revert WithdrawalNotApproved(msg.sender, amount, approved, balance);
        }
        approvedWithdrawal[msg.sender] = approved - amount;
        cash[msg.sender] = balance - amount;
        emit CashWithdrawn(msg.sender, amount);
        quoteToken.safeTransfer(msg.sender, amount);
    }

    function _closing(uint256 sourceChainId, address vault, uint64 lockId) private view returns (Credit storage c) {
        if (msg.sender != settlement) revert NotSettlement(msg.sender);
        bytes32 key = creditKey(sourceChainId, vault, lockId);
        c = credits[key];
        if (c.status != CreditStatus.Active) revert CreditNotActive(key);
    }
}
