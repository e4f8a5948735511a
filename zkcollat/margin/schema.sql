-- The venue's SQLite schema (zkcollat.margin.store creates it in a new file).
-- Each statement ends with ";" at the end of a line (store.py splits there); a trigger body's
-- inner ";" is followed by END on the same line.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE accounts (account TEXT PRIMARY KEY, mode TEXT NOT NULL, cash_e6 TEXT NOT NULL,
    created_at INTEGER NOT NULL);
CREATE TABLE positions (account TEXT NOT NULL, instrument TEXT NOT NULL, size_e6 TEXT NOT NULL,
    basis_e6 TEXT NOT NULL, PRIMARY KEY (account, instrument));
CREATE TABLE outside (name TEXT PRIMARY KEY, amount_e6 TEXT NOT NULL);
CREATE TABLE instruments (name TEXT PRIMARY KEY, spec TEXT NOT NULL, listed_at INTEGER NOT NULL);
CREATE TABLE orders (account TEXT NOT NULL, nonce TEXT NOT NULL, instrument TEXT NOT NULL,
    buy INTEGER NOT NULL, price_e8 TEXT NOT NULL, lots INTEGER NOT NULL, seq INTEGER NOT NULL,
    reduce_only INTEGER NOT NULL, expiry INTEGER NOT NULL, PRIMARY KEY (account, nonce));
CREATE TABLE nonces (account TEXT NOT NULL, nonce TEXT NOT NULL, kind TEXT NOT NULL,
    at INTEGER NOT NULL, PRIMARY KEY (account, nonce));
CREATE TABLE trades (id INTEGER PRIMARY KEY AUTOINCREMENT, instrument TEXT NOT NULL,
    buyer TEXT NOT NULL, seller TEXT NOT NULL, maker TEXT, price_e8 TEXT NOT NULL,
    size_e6 TEXT NOT NULL, cash_e6 TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE journal (id INTEGER PRIMARY KEY AUTOINCREMENT, event INTEGER NOT NULL,
    src TEXT NOT NULL, dst TEXT NOT NULL, amount_e6 TEXT NOT NULL, kind TEXT NOT NULL);
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
    at INTEGER NOT NULL, detail TEXT NOT NULL);
CREATE TABLE credits (source_chain_id TEXT NOT NULL, vault TEXT NOT NULL, lock_id TEXT NOT NULL,
    account TEXT NOT NULL, asset_id TEXT NOT NULL, threshold TEXT NOT NULL,
    min_expiry TEXT NOT NULL, valid_until TEXT NOT NULL, root TEXT NOT NULL,
    credited_at INTEGER NOT NULL, status TEXT NOT NULL, seized_amount TEXT NOT NULL,
    PRIMARY KEY (source_chain_id, vault, lock_id));
CREATE TABLE markets (underlying TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE oracle_history (underlying TEXT NOT NULL, at INTEGER NOT NULL,
    spot_e8 TEXT NOT NULL);
CREATE INDEX oracle_history_at ON oracle_history (underlying, at);
CREATE TABLE asset_prices (source_chain_id TEXT NOT NULL, asset_id TEXT NOT NULL,
    price_e8 TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (source_chain_id, asset_id));
CREATE TABLE vault_nonces (source_chain_id TEXT NOT NULL, vault TEXT NOT NULL,
    next_nonce INTEGER NOT NULL, PRIMARY KEY (source_chain_id, vault));
CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
    message TEXT NOT NULL, signature TEXT NOT NULL, account TEXT NOT NULL,
    expected_e6 TEXT NOT NULL, created_at INTEGER NOT NULL, sent_at INTEGER,
    executed_at INTEGER, realised_e6 TEXT);
CREATE TABLE provisional_credits (source_chain_id TEXT NOT NULL, vault TEXT NOT NULL,
    lock_id TEXT NOT NULL, account TEXT NOT NULL, asset_id TEXT NOT NULL, amount TEXT NOT NULL,
    expiry TEXT NOT NULL, block_number TEXT NOT NULL, block_hash TEXT NOT NULL,
    reported_at TEXT NOT NULL, deadline TEXT NOT NULL, valid_until TEXT NOT NULL,
    signers TEXT NOT NULL, status TEXT NOT NULL, resolved_at TEXT,
    PRIMARY KEY (source_chain_id, vault, lock_id));
CREATE TABLE portfolios (id INTEGER PRIMARY KEY, source_chain_id TEXT NOT NULL,
    vault TEXT NOT NULL, account TEXT NOT NULL, root TEXT NOT NULL, min_expiry TEXT NOT NULL,
    valid_until TEXT NOT NULL, assets TEXT NOT NULL, locks TEXT NOT NULL,
    credited_at INTEGER NOT NULL, status TEXT NOT NULL, owed_e6 TEXT NOT NULL,
    next_lock INTEGER NOT NULL);
CREATE TABLE portfolio_locks (source_chain_id TEXT NOT NULL, vault TEXT NOT NULL,
    lock_id TEXT NOT NULL, portfolio INTEGER NOT NULL REFERENCES portfolios (id),
    PRIMARY KEY (source_chain_id, vault, lock_id));
-- One key space for credited locks (PROTOCOL.md s.7): a lock is in credits (credited singly) or
-- in portfolio_locks, never both; the store refuses it even if a caller forgot.
CREATE TRIGGER single_not_in_portfolio BEFORE INSERT ON credits WHEN EXISTS (SELECT 1
    FROM portfolio_locks o WHERE o.source_chain_id = NEW.source_chain_id AND o.vault = NEW.vault
    AND o.lock_id = NEW.lock_id) BEGIN SELECT RAISE(ABORT, 'lock credited in a portfolio'); END;
CREATE TRIGGER portfolio_not_single BEFORE INSERT ON portfolio_locks WHEN EXISTS (SELECT 1
    FROM credits o WHERE o.source_chain_id = NEW.source_chain_id AND o.vault = NEW.vault
    AND o.lock_id = NEW.lock_id) BEGIN SELECT RAISE(ABORT, 'lock credited singly'); END;
