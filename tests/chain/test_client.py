"""The RPC client against a port nobody listens on: retries with backoff, then a named error."""

from __future__ import annotations

import pytest

from zkcollat.chain import ChainClient, RpcUnavailable
from zkcollat.chain.anvil import free_port


def test_retries_with_backoff_then_names_url_and_method() -> None:
    sleeps: list[float] = []
    retried: list[str] = []
    url = f"http://127.0.0.1:{free_port()}"
    c = ChainClient(
        url,
        retries=4,
        backoff_s=0.5,
        max_backoff_s=1.5,
        sleep=sleeps.append,
        on_retry=lambda what, e: retried.append(what),
    )
    with pytest.raises(RpcUnavailable, match=rf"{url} did not answer eth_blockNumber after 5"):
        c.head()
    assert sleeps == [0.5, 1.0, 1.5, 1.5]
    assert retried == ["eth_blockNumber"] * 4


def test_negative_retries_refused() -> None:
    with pytest.raises(ValueError, match="retries"):
        ChainClient("http://127.0.0.1:1", retries=-1)
