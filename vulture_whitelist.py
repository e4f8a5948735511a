"""Names vulture reports as unused that are used: called by name by a framework, required by
a protocol's signature, or public API of a layer. Checked by ``python -m vulture`` (its
configuration is in pyproject.toml); a name here must say why.
"""

# ruff: noqa
_ = object()

# Signatures fixed by the caller (warnings.showwarning, signal handlers, descriptors, __exit__).
category  # zkcollat/cli/_common.py: warnings.showwarning(message, category, ...)
_.showwarning  # zkcollat/cli/_common.py: the hook warnings calls
frame  # zkcollat/cli/relayer_cmd.py: signal handler (signum, frame)
signum  # zkcollat/cli/relayer_cmd.py: signal handler (signum, frame)
objtype  # zkcollat/r1cs/circuit.py: descriptor __get__(self, obj, objtype)
tb  # zkcollat/vault/vault.py: __exit__(exc_type, exc, tb)

# Hooks a framework calls by name.
_.do_POST  # zkcollat/relayer/member.py: http.server.BaseHTTPRequestHandler
_.do_GET  # zkcollat/relayer/member.py: http.server.BaseHTTPRequestHandler
_.log_message  # zkcollat/relayer/member.py: BaseHTTPRequestHandler's logging hook
_.teardown  # zkcollat/batch/worker.py: distributed.WorkerPlugin

# Public API of the circuit layer (docs/architecture.md): builder methods and plain twins
# that circuit authors use; the statements of this version happen not to.
_.square  # zkcollat/r1cs/builder.py: Api.square
_.assert_zero  # zkcollat/r1cs/builder.py: Api.assert_zero
_.assert_nonzero  # zkcollat/r1cs/builder.py: Api.assert_nonzero
is_bool_plain  # zkcollat/gadgets/bits.py: the plain twin of assert_bool
_.margin_final  # zkcollat/margin/provisional.py: the venue's margin with proven credit only

# Record fields: columns of stored rows and of JSON documents, read through dataclasses.asdict
# or written to the database, never by attribute name.
parent_hash  # zkcollat/chain/client.py: Block
created_at  # zkcollat/chain/journal.py, zkcollat/margin/messages.py: stored rows
sent_at  # zkcollat/margin/messages.py: OutboxEntry
seen_at  # zkcollat/relayer/store.py: stored row
executed_block  # zkcollat/relayer/store.py: stored row
EXIT_OK  # zkcollat/cli/_common.py: the exit statuses, documented together
