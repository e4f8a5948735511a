"""Every benchmark calls :func:`require_native` first: figures from the pure-Python reference
backend would be off by two orders of magnitude while looking like ours.

It exits with status 3 and says why when the active backend is not ``native`` (the Rust
extension did not import, or ``ZKCOLLAT_BACKEND`` / ``--backend`` chose another one).
"""

from __future__ import annotations

import os
import sys

EXIT_NOT_NATIVE = 3


def require_native(script: str) -> None:
    """Exit (status 3) unless zkcollat's active backend is the native one."""
    import zkcollat
    from zkcollat.curve.backend import get_backend, load_backend
    from zkcollat.errors import BackendError

    active = get_backend().name
    if active == "native":
        from zkcollat.curve import native

        if native.HAS_GROTH16_KERNELS:
            return
        print(
            f"{script}: refusing to run: the native extension ({native._native.__file__}) "
            "predates the Groth16 kernels (PreparedVk, Prover): rebuild it "
            "(rust/py: cargo build --release, copied to zkcollat/_native*.so).",
            file=sys.stderr,
        )
        sys.exit(EXIT_NOT_NATIVE)
    wanted = os.environ.get("ZKCOLLAT_BACKEND", "").strip()
    if wanted and wanted != "native":
        why = f"ZKCOLLAT_BACKEND={wanted} is set"
    else:
        try:
            load_backend("native")
            why = "another backend was selected"
        except BackendError as exc:
            why = str(exc)
    print(
        f"{script}: refusing to run: zkcollat ({zkcollat.__file__}) is using the "
        f"'{active}' backend, not 'native' ({why}). Build the Rust extension "
        "(rust/py: cargo build --release, copied to zkcollat/_native*.so) and unset "
        "ZKCOLLAT_BACKEND.",
        file=sys.stderr,
    )
    sys.exit(EXIT_NOT_NATIVE)
