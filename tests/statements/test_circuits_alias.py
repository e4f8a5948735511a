"""The deprecated ``zkcollat.circuits`` name still imports (scripts outside the project use it)
and gives the registry's own classes, with a DeprecationWarning naming the new home."""

from __future__ import annotations

import importlib
import sys

import pytest

import zkcollat.statements as statements


def test_alias_is_the_registry_and_warns() -> None:
    sys.modules.pop("zkcollat.circuits", None)
    with pytest.warns(DeprecationWarning, match="zkcollat.statements"):
        alias = importlib.import_module("zkcollat.circuits")
    assert alias.CollateralLock is statements.CollateralLock
    assert alias.STATEMENTS is statements.STATEMENTS
