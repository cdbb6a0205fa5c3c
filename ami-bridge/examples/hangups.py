"""Hangup causes of every PBX, from the bridge's JetStream stream, in Python.

    pip install nats-py
    NATS_URL=nats://127.0.0.1:4222 python3 ami-bridge/examples/hangups.py

The JSON is the bridge's schema 1 (see the ami-bridge crate's `schema`
module): "fields" holds the typed fields, "raw" every field as it came.
"""

import asyncio
import json
import os

import nats


async def main() -> None:
    nc = await nats.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    js = nc.jetstream()
    # A durable consumer: started again, it goes on where it stopped.
    sub = await js.pull_subscribe("ami.*.event.Hangup", durable="py-hangups", stream="AMI")
    while True:
        try:
            msgs = await sub.fetch(100, timeout=5)
        except nats.errors.TimeoutError:
            continue
        for msg in msgs:
            record = json.loads(msg.data)
            assert record["schema"] == 1, record["schema"]
            fields = record["fields"]
            print(
                f'{record["pbx"]} {record["received_at"]} {fields.get("Channel")}: '
                f'cause {fields.get("Cause")} ({fields.get("Cause-txt", "")})'
            )
            await msg.ack()


if __name__ == "__main__":
    asyncio.run(main())
