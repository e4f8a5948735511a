"""Locate the pinned Foundry toolchain and run forge on ``verifier_contracts/``.

forge, anvil and cast come from npm (``@foundry-rs/<tool>-linux-amd64``, pinned to
:data:`FOUNDRY_VERSION` in package.json); the compiler is solc-js (npm ``solc``,
:data:`SOLC_VERSION`) served to forge by the project's shim ``verifier_contracts/tools/solc``.
The packages are looked for in ``$ZKCOLLAT_NODE_MODULES``, then in the repository's
``node_modules`` (CI runs ``npm ci``), then in a cache directory
(``$ZKCOLLAT_CACHE`` or ``~/.cache/zkcollat``), where they are installed with npm on first use
at exactly the pinned versions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from zkcollat.db.files import cache_dir
from zkcollat.errors import SolidityError

FOUNDRY_VERSION = "1.7.1"
SOLC_VERSION = "0.8.30"
TOOLS = ("forge", "anvil", "cast")
REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "verifier_contracts"


def _cache_dir() -> Path:
    return Path(cache_dir()) / f"foundry-{FOUNDRY_VERSION}-solc-{SOLC_VERSION}"


def _complete(node_modules: Path) -> bool:
    return (
        all((node_modules / "@foundry-rs" / f"{t}-linux-amd64" / "bin" / t).exists() for t in TOOLS)
        and (node_modules / "solc" / "package.json").exists()
    )


def _install(cache: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SolidityError("npm is not installed: cannot install the pinned Foundry toolchain")
    cache.mkdir(parents=True, exist_ok=True)
    pkgs = [f"@foundry-rs/{t}-linux-amd64@{FOUNDRY_VERSION}" for t in TOOLS]
    pkgs.append(f"solc@{SOLC_VERSION}")
    proc = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--save-exact", "--prefix", str(cache), *pkgs],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SolidityError(f"npm install of the Foundry toolchain failed: {proc.stderr[-1500:]}")
    return cache / "node_modules"


@dataclass(frozen=True)
class Toolchain:
    """Paths of the pinned tools and the project they run on."""

    node_modules: Path
    project: Path = PROJECT

    def binary(self, tool: str) -> Path:
        path = self.node_modules / "@foundry-rs" / f"{tool}-linux-amd64" / "bin" / tool
        if not path.exists():
            raise SolidityError(f"{tool} is not installed at {path}")
        return path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["ZKCOLLAT_NODE_MODULES"] = str(self.node_modules)
        # Slither's crytic-compile runs `forge` from PATH: the pinned one.
        forge_dir = str(self.binary("forge").parent)
        env["PATH"] = forge_dir + os.pathsep + env.get("PATH", "")
        env.setdefault("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1")
        return env

    def version(self, tool: str) -> str:
        out = subprocess.run(
            [str(self.binary(tool)), "--version"], capture_output=True, text=True, check=True
        ).stdout
        return out.splitlines()[0].strip() if out else ""

    def forge(self, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
        """Run ``forge <args>`` in the project; raise :class:`SolidityError` if it fails."""
        proc = subprocess.run(
            [str(self.binary("forge")), *args],
            cwd=self.project,
            env=self.env(),
            capture_output=capture,
            text=True,
        )
        if proc.returncode != 0:
            tail = (proc.stdout or "")[-3000:] + (proc.stderr or "")[-2000:] if capture else ""
            raise SolidityError(f"forge {' '.join(args)} failed (exit {proc.returncode}) {tail}")
        return proc

    def slither(self) -> None:
        """Slither on forge's build of ``src/``; fail on any high or medium finding that is not
        triaged in ``slither.db.json`` (each one explained in docs/slither.md)."""
        import sys  # noqa: PLC0415

        cmd = [
            sys.executable,
            "-m",
            "slither",
            ".",
            "--exclude-dependencies",
            "--filter-paths",
            "test/|script/",
            "--exclude-low",
            "--exclude-informational",
            "--exclude-optimization",
            "--fail-medium",
        ]
        proc = subprocess.run(cmd, cwd=self.project, env=self.env())
        if proc.returncode != 0:
            raise SolidityError(
                f"slither found high or medium issues not triaged (exit {proc.returncode})"
            )


def locate(install: bool = True) -> Toolchain:
    """The pinned toolchain: from ``$ZKCOLLAT_NODE_MODULES``, the repository, or the cache
    (installed there with npm when ``install`` and nothing else is found)."""
    candidates = []
    if os.environ.get("ZKCOLLAT_NODE_MODULES"):
        candidates.append(Path(os.environ["ZKCOLLAT_NODE_MODULES"]))
    candidates += [REPO / "node_modules", _cache_dir() / "node_modules"]
    for nm in candidates:
        if _complete(nm):
            tc = Toolchain(nm.resolve())
            if FOUNDRY_VERSION not in tc.version("forge"):
                raise SolidityError(
                    f"forge in {nm} is {tc.version('forge')!r}, not the pinned {FOUNDRY_VERSION}"
                )
            return tc
    if not install:
        raise SolidityError(
            "the Foundry toolchain is not installed (run `npm ci` in the repository, or "
            "`zkcollat contracts build` to install it into the cache)"
        )
    return Toolchain(_install(_cache_dir()).resolve())
