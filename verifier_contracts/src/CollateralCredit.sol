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

/// @notice The public values of a Portfolio(D, k) proof that the credit contract reads (PROTOCOL.md
/// s.7): k lock slots of one owner and destination chain in the tree with `root`, unexpired until
/// `minExpiry`; `lockIds` are the non-empty slots' lock ids, strictly increasing; for every j the
/// slots holding `assets[j]` hold at least `thresholds[j]` in total. Fields are uint256 so that
/// each range is checked here with an error naming it.
struct PortfolioPublic {
    uint256 root;
    uint256 destChainId;
    uint256 owner;
    uint256 minExpiry;
    uint256[] assets;
    uint256[] thresholds;
    uint256[] lockIds;
}

/// @notice The Groth16 check of a Portfolio proof for these public values: it encodes them as the
/// statement's public inputs (the statement's own packing) and runs the statement's verifier.
interface IPortfolioVerifier {
    function verifyPortfolio(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        PortfolioPublic calldata pub
    ) external view returns (bool);
}

/// @title CollateralCredit (execution chain)
/// @notice Credits a proven collateral lock (PROTOCOL.md s.7) once per (sourceChainId, vault,
/// lockId), singly or as one of the locks of a Portfolio proof (one key space: a lock is
/// credited at most once, whichever way); the venue's settlement account marks a credit released
/// or seized, which emits the `Release`/`Seize` message the committee attests for the vault. A
/// portfolio is released whole and seized one lock at a time, each Seize at most what is left of
/// the asset's threshold once the executed amounts of the earlier ones are reported. Also holds the venue's
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
    /// @notice A portfolio value is out of its range ("assets", "thresholds", "lockIds", ...).
    error PortfolioInputOutOfRange(string field, uint256 index, uint256 value);
    /// @notice lockIds must be strictly increasing (no lock counted twice).
    error LockIdsNotIncreasing(uint256 index, uint256 lockId);
    /// @notice The portfolio is not in the state this needs (never credited, closed, ...).
    error PortfolioNotActive(uint256 id);
    /// @notice The arrays given do not match the ones the portfolio was credited with.
    error PortfolioMismatch(uint256 id);
    /// @notice A portfolio is seized one lock at a time, in order: report the last one first.
    error SeizeOutOfTurn(uint256 id, uint256 lockIndex, uint256 expected);
    /// @notice The Seize of `lockIndex` has not been reported executed (or was, already).
    error NoSeizePending(uint256 id);
    /// @notice This deployment has no Portfolio verifier: portfolios cannot be credited.
    error NoPortfolioVerifier();
    /// @notice The vault pays min(amount, lock): a report above the amount asked is impossible.
    error PaidAboveAsked(uint256 paid, uint256 asked);
    /// @notice Only a seized credit's Seize can be issued again.
    error NotSeized(bytes32 key);
    /// @notice Only a released credit's Release can be issued again.
    error NotReleased(bytes32 key);
    /// @notice Only the Release of a portfolio lock that was released can be issued again.
    error PortfolioLockNotReleased(uint256 id, uint256 lockIndex);

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
    /// @notice Every lock of a Portfolio proof (`pub.lockIds`) was credited to `pub.owner` at once.
    event PortfolioCredited(uint256 indexed id, uint256 indexed sourceChainId, address indexed vault, PortfolioPublic pub);
    /// @notice The relayer reported what the vault paid for a portfolio's Seize.
    event PortfolioSeizeExecuted(uint256 indexed id, uint64 lockId, uint256 assetIndex, uint256 paid);
    /// @notice The portfolio is closed (released whole, or its seizure finished).
    event PortfolioClosed(uint256 indexed id, PortfolioStatus status);
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

    enum PortfolioStatus {
        None,
        Active,
        Seizing,
        Released,
        Seized
    }

    /// @dev Slot 1: owner | minExpiry | status | nextLock | pending | pendingAsset; slot 2:
    /// pendingAmount; slot 3: the hash of the portfolio's contents (its source and arrays),
    /// which the settlement account passes back in full to release or seize.
    struct Portfolio {
        address owner;
        uint64 minExpiry;
        PortfolioStatus status;
        uint8 nextLock; // the next lock to seize (k <= 255)
        bool pending; // a Seize is out and its execution not reported yet
        uint8 pendingAsset;
        uint128 pendingAmount;
        bytes32 contents; // keccak256(abi.encode(PortfolioContents))
    }

    /// @notice What a portfolio was credited for: its source vault and the proof's arrays.
    struct PortfolioContents {
        uint256 sourceChainId;
        address vault;
        uint256[] lockIds;
        uint256[] assets;
        uint256[] thresholds;
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
    /// @notice The verifier of Portfolio proofs (the statement's adapter); zero: none.
    IPortfolioVerifier public immutable portfolioVerifier;
    /// @notice Locks credited in a portfolio: bit (lockId % 256) of the word at
    /// keccak256(abi.encode(sourceChainId, vault, lockId / 256)).
    mapping(bytes32 => uint256) public portfolioLocks;
    mapping(uint256 => Portfolio) public portfolios;
    /// @notice Base units of each asset (by index) the vault paid for a portfolio's seizes.
    mapping(uint256 => mapping(uint256 => uint256)) public portfolioSeized;
    /// @notice The locks of a portfolio asked for by a Seize: bit i for lock index i (k <= 255).
    mapping(uint256 => uint256) public portfolioSeizedLocks;
    uint256 public portfolioCount;
    /// @notice Messages emitted so far; the next Release/Seize carries this nonce.
    uint64 public messageNonce;
    mapping(address => uint256) public cash;
    mapping(address => uint256) public approvedWithdrawal;

    constructor(
        IRootRegistry registry_,
        ICollateralLockVerifier verifier_,
        address settlement_,
        address quoteToken_,
        uint64 liquidationWindow_,
        IPortfolioVerifier portfolioVerifier_
    ) {
        registry = registry_;
        verifier = verifier_;
        portfolioVerifier = portfolioVerifier_;
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
        if (credits[key].status != CreditStatus.None || _inPortfolio(sourceChainId, vault, lockId)) {
            revert AlreadyCredited(sourceChainId, vault, lockId);
        }
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

    /// @notice Issue a seized credit's Seize again, with a fresh nonce and `deadline`
    /// (settlement only): for a Seize whose deadline passed on the source chain before it was
    /// executed. The vault executes at most one Seize or Release per lock, so the two messages
    /// never both pay; `amount` is bounded by the threshold as in `markSeized`.
    function reissueSeize(uint256 sourceChainId, address vault, uint64 lockId, uint256 amount, uint64 deadline)
        external
        returns (uint64 nonce)
    {
        if (msg.sender != settlement) revert NotSettlement(msg.sender);
        bytes32 key = creditKey(sourceChainId, vault, lockId);
        Credit storage c = credits[key];
        if (c.status != CreditStatus.Seized) revert NotSeized(key);
        if (amount > c.threshold) revert SeizeAboveCredit(amount, c.threshold);
        nonce = messageNonce++;
        emit Seize(sourceChainId, vault, lockId, amount, nonce, deadline);
    }

    /// @notice Issue a released credit's Release again, with a fresh nonce and `deadline`
    /// (settlement only): for a Release whose deadline passed on the source chain before it
    /// was executed. The credit stays released; the vault executes one message per lock.
    function reissueRelease(uint256 sourceChainId, address vault, uint64 lockId, uint64 deadline)
        external
        returns (uint64 nonce)
    {
        if (msg.sender != settlement) revert NotSettlement(msg.sender);
        bytes32 key = creditKey(sourceChainId, vault, lockId);
        if (credits[key].status != CreditStatus.Released) revert NotReleased(key);
        nonce = messageNonce++;
        emit Release(sourceChainId, vault, lockId, nonce, deadline);
    }

    // --- portfolios -------------------------------------------------------------------------

    /// @notice Credit every lock of the Portfolio proof to the caller, at once; each lock at most
    /// once, against single credits and other portfolios too.
    function creditPortfolio(uint256 sourceChainId, address vault, Proof calldata proof, PortfolioPublic calldata pub)
        external
        returns (uint256 id)
    {
        _checkPortfolio(pub);
        if (address(portfolioVerifier) == address(0)) revert NoPortfolioVerifier();
        _claimLocks(sourceChainId, vault, pub.lockIds);
        if (!registry.isAcceptedRoot(sourceChainId, vault, pub.root)) {
            revert RootNotAccepted(sourceChainId, vault, pub.root);
        }
        if (!portfolioVerifier.verifyPortfolio(proof.a, proof.b, proof.c, pub)) revert InvalidProof();
        id = ++portfolioCount;
        Portfolio storage p = portfolios[id];
        p.owner = msg.sender;
        p.minExpiry = uint64(pub.minExpiry);
        p.status = PortfolioStatus.Active;
        p.contents = keccak256(abi.encode(PortfolioContents(sourceChainId, vault, pub.lockIds, pub.assets, pub.thresholds)));
        emit PortfolioCredited(id, sourceChainId, vault, pub);
    }

    /// @notice True iff the portfolio is active and before minExpiry - liquidationWindow.
    function isPortfolioCounting(uint256 id) external view returns (bool) {
        Portfolio storage p = portfolios[id];
        return p.status == PortfolioStatus.Active && block.timestamp + liquidationWindow < p.minExpiry;
    }

    /// @notice True iff the lock was credited in a portfolio.
    function inPortfolio(uint256 sourceChainId, address vault, uint64 lockId) external view returns (bool) {
        return _inPortfolio(sourceChainId, vault, lockId);
    }

    /// @notice Release a whole portfolio: one Release message per lock (settlement only).
    function markPortfolioReleased(
        uint256 id,
        PortfolioContents calldata c,
        uint64 deadline
    ) external {
        Portfolio storage p = _portfolio(id, c);
        if (p.status != PortfolioStatus.Active) revert PortfolioNotActive(id);
        p.status = PortfolioStatus.Released;
        _releaseFrom(c, 0, c.lockIds.length, deadline);
        emit PortfolioClosed(id, PortfolioStatus.Released);
    }

    /// @notice Seize the portfolio's next lock (in order, one at a time): a Seize of `amount` of
    /// `assets[assetIndex]`, at most what is left of its threshold after the executed amounts
    /// reported so far (settlement only). The portfolio stops counting. Locks between the next
    /// one and `lockIndex` are skipped: each gets its Release (the venue asks nothing of a lock
    /// whose asset has no room left or no price).
    function markPortfolioSeized(
        uint256 id,
        PortfolioContents calldata c,
        uint256 lockIndex,
        uint256 assetIndex,
        uint256 amount,
        uint64 deadline
    ) external returns (uint64 nonce) {
        Portfolio storage p = _portfolio(id, c);
        if (p.status != PortfolioStatus.Active && p.status != PortfolioStatus.Seizing) revert PortfolioNotActive(id);
        if (p.pending || lockIndex < p.nextLock || lockIndex >= c.lockIds.length) {
            revert SeizeOutOfTurn(id, lockIndex, p.nextLock);
        }
        if (assetIndex >= c.assets.length) revert PortfolioInputOutOfRange("assetIndex", assetIndex, c.assets.length);
        uint256 room = c.thresholds[assetIndex] - portfolioSeized[id][assetIndex];
        if (amount > room) revert SeizeAboveCredit(amount, room);
        _releaseFrom(c, p.nextLock, lockIndex, deadline);
        p.status = PortfolioStatus.Seizing;
        p.nextLock = uint8(lockIndex + 1);
        p.pending = true;
        p.pendingAmount = uint128(amount);
        p.pendingAsset = uint8(assetIndex);
        portfolioSeizedLocks[id] |= uint256(1) << lockIndex;
        nonce = messageNonce++;
        emit Seize(c.sourceChainId, c.vault, uint64(c.lockIds[lockIndex]), amount, nonce, deadline);
    }

    /// @notice The relayer's report of what the vault paid for the portfolio's pending Seize
    /// (settlement only): that executed amount, not the one asked, counts against the threshold.
    function markPortfolioSeizeExecuted(uint256 id, uint256 paid) external {
        if (msg.sender != settlement) revert NotSettlement(msg.sender);
        Portfolio storage p = portfolios[id];
        if (!p.pending) revert NoSeizePending(id);
        if (paid > p.pendingAmount) revert PaidAboveAsked(paid, p.pendingAmount);
        p.pending = false;
        portfolioSeized[id][p.pendingAsset] += paid;
        emit PortfolioSeizeExecuted(id, p.nextLock - 1, p.pendingAsset, paid);
    }

    /// @notice Issue the portfolio's pending Seize again (the same lock and amount) with a fresh
    /// nonce and `deadline` (settlement only): for a Seize whose deadline passed on the source
    /// chain before it was executed; the vault executes at most one Seize per lock.
    function reissuePortfolioSeize(uint256 id, PortfolioContents calldata c, uint64 deadline)
        external
        returns (uint64 nonce)
    {
        Portfolio storage p = _portfolio(id, c);
        if (!p.pending) revert NoSeizePending(id);
        nonce = messageNonce++;
        emit Seize(c.sourceChainId, c.vault, uint64(c.lockIds[p.nextLock - 1]), p.pendingAmount, nonce, deadline);
    }

    /// @notice Issue the Release of the portfolio's lock `lockIndex` again, with a fresh nonce
    /// and `deadline` (settlement only): for a Release whose deadline passed on the source chain
    /// before it was executed. Only a lock that was released: every lock of a portfolio
    /// released whole; in a seizure, a lock skipped before a seized one, or one the close
    /// released; never a lock asked for by a Seize, nor one the seizure has not reached.
    function reissuePortfolioRelease(uint256 id, PortfolioContents calldata c, uint256 lockIndex, uint64 deadline)
        external
        returns (uint64 nonce)
    {
        Portfolio storage p = _portfolio(id, c);
        if (lockIndex >= c.lockIds.length) {
            revert PortfolioInputOutOfRange("lockIndex", lockIndex, c.lockIds.length);
        }
        bool released = p.status == PortfolioStatus.Released
            || (p.status == PortfolioStatus.Seized && lockIndex >= p.nextLock)
            || (
                (p.status == PortfolioStatus.Seizing || p.status == PortfolioStatus.Seized) && lockIndex < p.nextLock
                    && portfolioSeizedLocks[id] & (uint256(1) << lockIndex) == 0
            );
        if (!released) revert PortfolioLockNotReleased(id, lockIndex);
        nonce = messageNonce++;
        emit Release(c.sourceChainId, c.vault, uint64(c.lockIds[lockIndex]), nonce, deadline);
    }

    /// @notice End a seizure: the locks never asked for are released (settlement only).
    function closePortfolioSeizure(
        uint256 id,
        PortfolioContents calldata c,
        uint64 deadline
    ) external {
        Portfolio storage p = _portfolio(id, c);
        if (p.status != PortfolioStatus.Seizing) revert PortfolioNotActive(id);
        if (p.pending) revert SeizeOutOfTurn(id, p.nextLock, p.nextLock);
        p.status = PortfolioStatus.Seized;
        _releaseFrom(c, p.nextLock, c.lockIds.length, deadline);
        emit PortfolioClosed(id, PortfolioStatus.Seized);
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

    /// @dev Destination, owner (the caller), ranges and the liquidation window.
    function _checkPortfolio(PortfolioPublic calldata pub) private view {
        if (pub.destChainId != block.chainid) revert WrongDestination(pub.destChainId, block.chainid);
        if (pub.owner != uint256(uint160(msg.sender))) revert NotOwner(pub.owner, msg.sender);
        if (pub.minExpiry >> 64 != 0) revert PortfolioInputOutOfRange("minExpiry", 0, pub.minExpiry);
        uint256 earliest = block.timestamp + liquidationWindow;
        if (pub.minExpiry <= earliest) revert ExpiryTooSoon(pub.minExpiry, earliest);
        uint256 m = pub.assets.length;
        if (m == 0 || m > 255 || pub.thresholds.length != m) {
            revert PortfolioInputOutOfRange("thresholds", pub.thresholds.length, m);
        }
        for (uint256 j = 0; j < m; ++j) {
            if (pub.assets[j] >> 160 != 0) revert PortfolioInputOutOfRange("assets", j, pub.assets[j]);
            if (pub.thresholds[j] >> 128 != 0) revert PortfolioInputOutOfRange("thresholds", j, pub.thresholds[j]);
        }
        uint256 k = pub.lockIds.length;
        if (k == 0 || k > 255) revert PortfolioInputOutOfRange("lockIds", k, k);
    }

    function _lockWord(uint256 sourceChainId, address vault, uint256 lockId) private pure returns (bytes32) {
        return keccak256(abi.encode(sourceChainId, vault, lockId >> 8));
    }

    function _inPortfolio(uint256 sourceChainId, address vault, uint64 lockId) private view returns (bool) {
        return portfolioLocks[_lockWord(sourceChainId, vault, lockId)] >> (lockId & 255) & 1 == 1;
    }

    /// @dev Marks every lock credited, one storage word per 256 consecutive lock ids; refuses a
    /// lock out of range, out of order, or credited before (singly or in a portfolio).
    function _claimLocks(uint256 sourceChainId, address vault, uint256[] calldata lockIds) private {
        uint256 prev = 0;
        bytes32 slot = bytes32(0);
        uint256 word = 0;
        for (uint256 i = 0; i < lockIds.length; ++i) {
            uint256 lockId = lockIds[i];
            if (lockId >> 64 != 0) revert PortfolioInputOutOfRange("lockIds", i, lockId);
            if (i > 0 && lockId <= prev) revert LockIdsNotIncreasing(i, lockId);
            if (i == 0 || lockId >> 8 != prev >> 8) {
                if (i > 0) portfolioLocks[slot] = word;
                slot = _lockWord(sourceChainId, vault, lockId);
                word = portfolioLocks[slot];
            }
            uint256 bit = uint256(1) << (lockId & 255);
            if (word & bit != 0 || credits[creditKey(sourceChainId, vault, uint64(lockId))].status != CreditStatus.None) {
                revert AlreadyCredited(sourceChainId, vault, uint64(lockId));
            }
            word |= bit;
            prev = lockId;
        }
        portfolioLocks[slot] = word;
    }

    function _portfolio(
        uint256 id,
        PortfolioContents calldata c
    ) private view returns (Portfolio storage p) {
        if (msg.sender != settlement) revert NotSettlement(msg.sender);
        p = portfolios[id];
        if (p.status == PortfolioStatus.None) revert PortfolioNotActive(id);
        if (keccak256(abi.encode(c)) != p.contents) revert PortfolioMismatch(id);
    }

    /// @dev One Release per lock of index from .. to - 1.
    function _releaseFrom(PortfolioContents calldata c, uint256 from, uint256 to, uint64 deadline) private {
        uint64 nonce = messageNonce;
        for (uint256 i = from; i < to; ++i) {
            emit Release(c.sourceChainId, c.vault, uint64(c.lockIds[i]), nonce++, deadline);
        }
        messageNonce = nonce;
    }

    function _closing(uint256 sourceChainId, address vault, uint64 lockId) private view returns (Credit storage c) {
        if (msg.sender != settlement) revert NotSettlement(msg.sender);
        bytes32 key = creditKey(sourceChainId, vault, lockId);
        c = credits[key];
        if (c.status != CreditStatus.Active) revert CreditNotActive(key);
    }
}
