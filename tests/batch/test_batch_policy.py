"""Where witnesses may travel: tls:// anywhere, tcp:// only to this machine unless --insecure."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from zkcollat.batch import BatchError, ClusterSpec, SchedulerRefused, check_scheduler_address
from zkcollat.batch.cluster import remote_security
from zkcollat.cli import main


@pytest.mark.parametrize(
    "address",
    ["tcp://127.0.0.1:8786", "tcp://localhost:8786", "tcp://[::1]:8786", "127.0.0.1:8786",
     "tcp://127.0.0.2:8786", "tls://scheduler.example.org:8786", "tls://10.1.2.3:8786"],
)
def test_allowed(address: str) -> None:
    check_scheduler_address(address)


@pytest.mark.parametrize(
    "address",
    ["tcp://10.1.2.3:8786", "tcp://scheduler.example.org:8786", "scheduler.example.org:8786",
     "tcp://[2001:db8::1]:8786", "tcp://127.0.0.1.nip.io:8786"],
)
def test_plain_tcp_to_another_host_refused_unless_insecure(address: str) -> None:
    with pytest.raises(SchedulerRefused, match="refusing plain tcp:// .*--insecure"):
        check_scheduler_address(address)
    check_scheduler_address(address, insecure=True)


@pytest.mark.parametrize(
    ("address", "rule"),
    [("ucx://10.1.2.3:8786", "not supported"), ("inproc://x", "not supported"),
     ("ws://10.1.2.3:8786", "not supported"), ("tcp://10.1.2.3", "host and a port"),
     ("", "empty"), ("tls://", "host and a port|malformed")],
)
def test_other_addresses_refused(address: str, rule: str) -> None:
    with pytest.raises(SchedulerRefused, match=rule):
        check_scheduler_address(address, insecure=True)


def test_tls_needs_a_ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dask

    with dask.config.set({"distributed.comm.tls.ca-file": None}):
        with pytest.raises(SchedulerRefused, match="CA certificate"):
            remote_security(ClusterSpec(scheduler="tls://10.1.2.3:8786"))
        sec = remote_security(ClusterSpec(scheduler="tls://10.1.2.3:8786",
                                          tls_ca_file=str(tmp_path / "ca.pem")))
        assert sec.require_encryption


def test_spec_checks() -> None:
    with pytest.raises(BatchError, match="not both"):
        ClusterSpec(scheduler="tls://a:1", workers=2)
    with pytest.raises(BatchError, match="positive"):
        ClusterSpec(workers=0)
    with pytest.raises(BatchError, match="positive"):
        ClusterSpec(threads_per_worker=0)


def test_cli_refuses_plain_tcp_before_any_work(tmp_path: Path) -> None:
    pk = tmp_path / "pk.zkpk"
    pk.write_bytes(b"not read")  # refused before the key is even read
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(main, [
        "prove-batch", "--inputs", str(tmp_path / "in"), "--pk", str(pk),
        "--out", str(tmp_path / "out"), "--scheduler", "tcp://203.0.113.7:8786"])
    assert result.exit_code == 2, result.output
    assert "refusing plain tcp:// to 203.0.113.7" in result.stderr
    assert "--insecure" in result.stderr
    assert not (tmp_path / "out").exists()
