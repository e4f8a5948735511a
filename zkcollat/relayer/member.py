"""One committee member: ``zkcollat committee serve --key KEYSTORE --config FILE``.

A member is its own process with its own key and its own RPC connection to each chain. It
answers two requests over HTTP (JSON, POST), and signs only what it has read itself:

- ``/v1/root`` ``{"sourceChainId", "vault", "blockNumber", "root", "timestamp"}``: signed (a
  ``RootAttestation`` in the root registry's EIP-712 domain) only if ``blockNumber`` is at least
  the confirmation depth below its source node's head, the block's timestamp is ``timestamp``,
  and the vault contract's ``currentRoot()`` read at that block is ``root``.
- ``/v1/message`` ``{"tx", "logIndex"}``: the member fetches that transaction's receipt from its
  execution node, takes the log at ``logIndex``, and signs the ``Release``/``Seize`` it carries
  (in the vault's domain) only if the log is the credit contract's, for this member's vault and
  source chain, in a block at least the confirmation depth below the head and still canonical.
  The answer carries the message the member read, so the relayer can compare.
- ``/v1/lock`` ``{"tx", "logIndex"}``: the member fetches that transaction's receipt from its
  source node, takes the vault's ``Locked`` log at ``logIndex`` and signs the ``LockReport`` it
  supports (in the root registry's domain; docs/protocol.md s.9) only if the leaf is Poseidon of
  the event's fields and the block is at least ``reportConfirmations`` below the head (shallower
  than for roots) and still canonical. The answer carries the report the member read.

Anything else is refused with HTTP 409 and ``{"error": reason}``.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from eth_account.signers.local import LocalAccount

from zkcollat.attest.attestation import RootAttestation, zkcollat_domain
from zkcollat.attest.lock_report import LockReport
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.chain.client import ChainClient
from zkcollat.chain.errors import ChainError
from zkcollat.errors import ZkcollatError
from zkcollat.formats import limits
from zkcollat.margin.messages import Release, Seize
from zkcollat.relayer.config import RelayConfig
from zkcollat.relayer.contracts import contract, decode
from zkcollat.relayer.reports import ReportRefused, lock_request, read_confirmed_log, read_lock


class Refused(ChainError):
    """A member will not sign: the message says what it read instead."""


def message_from_event(name: str, args: dict[str, Any]) -> Release | Seize | None:
    """The vault message a credit contract's ``Release``/``Seize`` event carries."""
    if name == "Release":
        return Release(
            int(args["sourceChainId"]),
            str(args["vault"]),
            int(args["lockId"]),
            int(args["nonce"]),
            int(args["deadline"]),
        )
    if name == "Seize":
        return Seize(
            int(args["sourceChainId"]),
            str(args["vault"]),
            int(args["lockId"]),
            int(args["amount"]),
            int(args["nonce"]),
            int(args["deadline"]),
        )
    return None


def message_json(msg: Release | Seize) -> dict[str, Any]:
    return {"kind": msg.kind.lower(), **{k: str(v) for k, v in msg.message().items()}}


class Member:
    def __init__(self, cfg: RelayConfig, account: LocalAccount) -> None:
        self.cfg = cfg
        self.key = PrivateKey.from_bytes(bytes(account.key))
        self.address = self.key.address
        self.src = ChainClient(cfg.source.rpc, expected_chain_id=cfg.source.chain_id)
        self.exe = ChainClient(cfg.execution.rpc, expected_chain_id=cfg.execution.chain_id)
        self.vault = contract(self.src.w3, "CollateralVault", cfg.vault, cfg.artifacts)
        self.credit = contract(self.exe.w3, "CollateralCredit", cfg.credit, cfg.artifacts)
        self.registry_domain = zkcollat_domain(cfg.execution.chain_id, cfg.registry)

    def sign_root(self, req: dict[str, Any]) -> dict[str, Any]:
        try:
            att = RootAttestation.from_json(req)
        except ZkcollatError as e:
            raise Refused(str(e)) from e
        if att.source_chain_id != self.cfg.source.chain_id or att.vault != self.cfg.vault:
            raise Refused(
                f"attestation names vault {att.vault} on chain {att.source_chain_id}; this "
                f"member attests {self.cfg.vault} on chain {self.cfg.source.chain_id}"
            )
        head = self.src.head()
        depth = self.cfg.source.confirmations
        if att.block_number > head - depth:
            raise Refused(
                f"block {att.block_number} is not {depth} blocks below the head {head} yet"
            )
        blk = self.src.block(att.block_number)
        if blk is None or blk.timestamp != att.timestamp:
            got = None if blk is None else blk.timestamp
            raise Refused(f"block {att.block_number} has timestamp {got}, not {att.timestamp}")
        root = int(
            self.src.call(
                "currentRoot",
                lambda: self.vault.functions.currentRoot().call(block_identifier=att.block_number),
            )
        )
        if root != att.root:
            raise Refused(f"the vault's root at block {att.block_number} is {root}, not {att.root}")
        sig = self.key.sign_digest(att.digest(self.registry_domain))
        return {"member": self.address, "signature": sig.hex()}

    def read_message(self, tx: str, log_index: int) -> Release | Seize:
        lg = read_confirmed_log(
            self.exe,
            self.cfg.execution.chain_id,
            tx,
            log_index,
            address=self.cfg.credit,
            depth=self.cfg.execution.confirmations,
            refused=Refused,
            names=("this member's execution node", "the credit contract", "confirmations"),
        )
        ev = decode(self.credit, lg)
        msg = None if ev is None else message_from_event(*ev)
        if msg is None:
            raise Refused(f"log {tx}:{log_index} is not a Release or Seize event")
        if msg.source_chain_id != self.cfg.source.chain_id or msg.vault != self.cfg.vault:
            raise Refused(f"message for vault {msg.vault} on chain {msg.source_chain_id}")
        return msg

    def sign_message(self, req: dict[str, Any]) -> dict[str, Any]:
        tx, log_index = req.get("tx"), req.get("logIndex")
        if not isinstance(tx, str) or isinstance(log_index, bool) or not isinstance(log_index, int):
            raise Refused("a message request needs 'tx' (hash) and 'logIndex' (integer)")
        msg = self.read_message(tx, log_index)
        sig = self.key.sign_digest(msg.digest())
        return {"member": self.address, "message": message_json(msg), "signature": sig.hex()}

    def read_lock(self, tx: str, log_index: int) -> LockReport:
        """The lock report a vault ``Locked`` log supports, read from this member's source node
        at the report depth."""
        return read_lock(self.src, self.vault, self.cfg, tx, log_index)

    def sign_lock(self, req: dict[str, Any]) -> dict[str, Any]:
        report = self.read_lock(*lock_request(req))
        sig = self.key.sign_digest(report.digest(self.registry_domain))
        return {"member": self.address, "report": report.to_json(), "signature": sig.hex()}


#: A request to a member is a small JSON object (an attestation, a message, a lock reference).
MAX_REQUEST_BYTES = 64 << 10
REQUEST_LIMITS = limits.Limits(max_bytes=MAX_REQUEST_BYTES, max_depth=16)


def make_server(member: Member, host: str, port: int) -> ThreadingHTTPServer:
    routes = {
        "/v1/root": member.sign_root,
        "/v1/message": member.sign_message,
        "/v1/lock": member.sign_lock,
    }

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            fn = routes.get(self.path)
            if fn is None:
                self._send(404, {"error": f"no such endpoint {self.path}"})
                return
            try:
                body = self._body()
            except limits.LimitError as e:  # hostile or broken request: nothing is signed
                self._send(400, {"error": str(e)})
                return
            try:
                if not isinstance(body, dict):
                    raise Refused("request body is not a JSON object")
                self._send(200, fn(body))
            except (Refused, ReportRefused, json.JSONDecodeError, ValueError) as e:
                print(f"member {member.address}: refused {self.path}: {e}", file=sys.stderr)
                self._send(409, {"error": str(e)})
            except ChainError as e:
                self._send(503, {"error": str(e)})

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/v1/health":
                self._send(200, {"member": member.address})
            else:
                self._send(404, {"error": f"no such endpoint {self.path}"})

        def _body(self) -> Any:
            """The request's JSON, read within MAX_REQUEST_BYTES and the JSON limits."""
            raw = self.headers.get("Content-Length", "0")
            n = int(raw) if raw.isdigit() else -1
            if not 0 <= n <= MAX_REQUEST_BYTES:
                self.close_connection = True  # the body, if any, is not read
                raise limits.LimitError(
                    f"request body of Content-Length {raw[:40]!r}: not a length up to "
                    f"{MAX_REQUEST_BYTES} bytes"
                )
            data = self.rfile.read(n) if n else b"{}"
            return limits.loads(data, f"request to {self.path}", REQUEST_LIMITS)

        def _send(self, code: int, obj: dict[str, Any]) -> None:
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # requests are not news; refusals are printed above

    return ThreadingHTTPServer((host, port), Handler)


def serve(member: Member, host: str, port: int, stop: threading.Event | None = None) -> None:
    server = make_server(member, host, port)
    if stop is None:
        server.serve_forever()
        return
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    while not stop.wait(0.5):  # a timed wait, so signal handlers run in the main thread
        pass
    server.shutdown()
    server.server_close()
