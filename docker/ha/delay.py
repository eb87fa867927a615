#!/usr/bin/env python3
"""A network link with a one-way delay, as a TCP relay: what arrives on 127.0.0.1:LISTEN reaches
127.0.0.1:TARGET DELAY_MS later, and the answers come back as late. Bytes in flight are held by this
process only, so killing it loses them, as a cut cable loses what was on the wire.

docker/ha/ha.sh puts one in front of each PostgreSQL server when HA_REPLICATION_DELAY_MS is set: the
replicas stream from the primary through it (it is the primary's address in Patroni), as they would
from a server in another region. It stands in for `tc qdisc ... netem delay`, which this project's
CI kernel does not have.

    delay.py LISTEN_PORT TARGET_PORT DELAY_MS
"""
import asyncio
import sys


async def carry(reader, writer, delay):
    """Forwards each chunk `delay` seconds after it arrived, in order; then closes the way out."""
    loop = asyncio.get_running_loop()
    due = asyncio.Queue()

    async def receive():
        try:
            while data := await reader.read(65536):
                due.put_nowait((loop.time() + delay, data))
        except ConnectionError:
            pass
        due.put_nowait((loop.time() + delay, b""))

    receiving = asyncio.create_task(receive())
    try:
        while True:
            at, data = await due.get()
            await asyncio.sleep(max(0.0, at - loop.time()))
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        receiving.cancel()
        writer.close()


async def main(listen, target, delay):
    async def relay(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(carry(client_reader, server_writer, delay), carry(server_reader, client_writer, delay))

    server = await asyncio.start_server(relay, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000.0))
