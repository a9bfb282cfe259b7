"""Peak RSS of 8 concurrent password checks, unbounded argon2 vs the bounded
db.passwords path, each in a fresh process (ru_maxrss never goes down).

Run: .venv/bin/python -m bench.sign_in_memory
"""

from __future__ import annotations

import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ATTEMPTS = 8


def _run(mode: str) -> None:
    from db import passwords

    stored = passwords._HASHER.hash("a long enough password")
    check = passwords._HASHER.verify if mode == "unbounded" else passwords.verify_password
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        list(pool.map(lambda _: check(stored, "a long enough password"), range(ATTEMPTS)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{mode}: peak RSS {peak / 1024:.0f} MB (before the burst {before / 1024:.0f} MB)")


def main() -> None:
    for mode in ("unbounded", "bounded"):
        subprocess.run([sys.executable, "-m", "bench.sign_in_memory", mode], check=True)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _run(sys.argv[1])
    else:
        main()
