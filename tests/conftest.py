"""Shared fixtures. ``backend`` runs a test once per implementation, as py_ecc's suite does."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from zkcollat.curve import Backend, use_backend
from zkcollat.errors import BackendError


def _native_or_fail() -> None:
    try:
        from zkcollat.curve.backend import load_backend

        load_backend("native")
    except BackendError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the native backend must build in CI: {exc}")
        pytest.skip(f"native backend unavailable: {exc}")


@pytest.fixture(autouse=True, scope="session")
def _own_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One cache directory for the session (``$ZKCOLLAT_CACHE``, inherited by the commands
    tests spawn), never the user's: saving a setup key records its B2 check there
    (zkcollat.formats.b2record), and converted keys and trust records live there too. A test
    that needs its own sets the variable again (monkeypatch)."""
    before = os.environ.get("ZKCOLLAT_CACHE")
    os.environ["ZKCOLLAT_CACHE"] = str(tmp_path_factory.mktemp("zkcollat-cache"))
    yield
    if before is None:
        os.environ.pop("ZKCOLLAT_CACHE", None)
    else:
        os.environ["ZKCOLLAT_CACHE"] = before


@pytest.fixture(autouse=True)
def _restore_active_backend() -> Iterator[None]:
    """Give every test the backend that was active before it, whatever the test selected.

    The CLI's ``--backend`` selects the backend for the whole process, which is right for a
    command but leaks between in-process CliRunner tests: one ``--backend reference`` run
    would leave every later test on pure-Python arithmetic.
    """
    from zkcollat.curve import backend as backend_module

    before = backend_module._current
    yield
    backend_module._current = before


@pytest.fixture(params=["reference", "native"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each test using this fixture runs on both backends (and makes it the active one)."""
    if request.param == "native":
        _native_or_fail()
    with use_backend(request.param) as b:
        yield b


@pytest.fixture
def native() -> Iterator[Backend]:
    _native_or_fail()
    with use_backend("native") as b:
        yield b


@pytest.fixture
def reference() -> Iterator[Backend]:
    with use_backend("reference") as b:
        yield b
