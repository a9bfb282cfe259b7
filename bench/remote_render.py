"""The board's dashboard as if PostgreSQL were a remote Supabase project.

A local TCP proxy stands between the app and the embedded PostgreSQL and
holds every message from the app for `--delay-ms` (20 ms by default) before
passing it on, so each round trip costs that much more, as it does over the
network. The same cold run of `bench.dashboard_render` (sign-in to the
overview, three filter changes, another page) is timed straight on the
server's socket (the baseline) and through the proxy, in the same command,
and the ratio printed.

    .venv/bin/python -m bench.remote_render [--national] [--delay-ms 20] [--repeat 1]

The small demo always; the national demo with --national when
bench/seed_national.py has made it. A benchmark, not a test."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import threading
from collections.abc import Iterator

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench.dashboard_render import a_national_chapter, chromium, cold_runs, demo_databases, sizes


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy one direction of a connection, each chunk `delay` seconds after
    it arrived, in order."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def feed() -> None:
        while data := await reader.read(65536):
            await queue.put((loop.time() + delay, data))
        await queue.put((0.0, b""))

    async def drain() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    with contextlib.suppress(ConnectionError):
        await asyncio.gather(feed(), drain())


@contextlib.contextmanager
def latency_proxy(uri: str, delay_ms: float) -> Iterator[str]:
    """`uri` through a proxy on 127.0.0.1 that delays what the client sends
    by `delay_ms`; yields the proxied URI."""
    params = conninfo_to_dict(uri)
    socket_path = f"{params.get('host')}/.s.PGSQL.{params.get('port') or 5432}"
    delay = delay_ms / 1000
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    async def connection(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_unix_connection(socket_path)
        await asyncio.gather(
            _pump(client_reader, server_writer, delay), _pump(server_reader, client_writer, 0.0)
        )

    async def serve() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", 0)
        port.append(server.sockets[0].getsockname()[1])
        ready.set()
        async with server:
            await server.serve_forever()

    serving: list[asyncio.Task[None]] = []

    def run() -> None:
        serving.append(loop.create_task(serve()))
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(serving[0])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield make_conninfo(uri, host="127.0.0.1", port=str(port[0]))
    finally:
        loop.call_soon_threadsafe(serving[0].cancel)
        thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="also the national demo, if it exists")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="added to each round trip")
    parser.add_argument("--repeat", type=int, default=1, help="cold runs per database and path")
    args = parser.parse_args()
    with chromium() as browser:
        for label, uri in demo_databases(national=args.national):
            print(f"{label}: {sizes(uri)}")
            chapter = a_national_chapter(uri)
            for kept in (False, True):
                path = "kept" if kept else "computed"
                direct = cold_runs(browser, uri, chapter, args.repeat, f"direct-{path}", kept=kept)
                with latency_proxy(uri, args.delay_ms) as remote_uri:
                    remote = cold_runs(browser, remote_uri, chapter, args.repeat, f"remote-{path}", kept=kept)
                heading = f"figures {'kept in PostgreSQL' if kept else 'computed from rows'} (median seconds)"
                print(f"  {heading:<45} {'direct':>8} {f'+{args.delay_ms:g} ms':>10} {'ratio':>7}")
                for key, values in direct.items():
                    near, far = statistics.median(values), statistics.median(remote[key])
                    print(f"  {key:<45} {near:8.2f} {far:10.2f} {far / near:6.2f}×")


if __name__ == "__main__":
    main()
