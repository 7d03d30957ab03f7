#!/usr/bin/env python3
"""The cold burst of bench/run.sh: N callers ask at the same moment for a token the broker does not hold yet.

1. opens N TCP connections to the broker (all of them before any request is sent);
2. writes one `GET <path>` (Connection: close) on every connection, as close together as asyncio can;
3. once every request is written, waits --settle seconds and calls --release-url (the fake IdP then answers
   the broker's single, parked token request);
4. reads every answer to EOF, with a deadline of --timeout seconds for the whole burst.

Prints one JSON object: statuses, distinct tokens served, times (seconds, wall clock) of the first request
written, the last request written, the release, and every caller's answer. Standard library only.
"""

import argparse
import asyncio
import json
import time
import urllib.request


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--header", action="append", default=[])
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("--release-url", default="")
    p.add_argument("--settle", type=float, default=0.5)
    p.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args()

    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sConnection: close\r\n\r\n" % (
        args.path, args.port, "".join(h + "\r\n" for h in args.header))).encode()

    deadline = time.monotonic() + args.timeout

    async def connect():
        return await asyncio.open_connection("127.0.0.1", args.port)

    conns = await asyncio.wait_for(asyncio.gather(*(connect() for _ in range(args.n))),
                                   max(1.0, deadline - time.monotonic()))

    done_at = [None] * args.n
    answers = [None] * args.n

    async def read(i, reader):
        data = await reader.read()  # to EOF: the request asked for Connection: close
        done_at[i] = time.time()
        answers[i] = data

    readers = [asyncio.ensure_future(read(i, r)) for i, (r, _) in enumerate(conns)]
    first_sent = time.time()
    for _, w in conns:
        w.write(request)
    await asyncio.gather(*(w.drain() for _, w in conns))
    last_sent = time.time()

    released = None
    if args.release_url:
        await asyncio.sleep(args.settle)
        early = sum(1 for d in done_at if d is not None)
        released = time.time()
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: urllib.request.urlopen(args.release_url, timeout=5).read())
    else:
        early = 0

    try:
        await asyncio.wait_for(asyncio.gather(*readers), max(0.1, deadline - time.monotonic()))
    except asyncio.TimeoutError:
        pass
    for _, w in conns:
        w.close()

    statuses = {}
    tokens = set()
    for a in answers:
        if a is None:
            statuses["no answer"] = statuses.get("no answer", 0) + 1
            continue
        head, _, body = a.partition(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        code = line.split(" ")[1] if " " in line else "?"
        statuses[code] = statuses.get(code, 0) + 1
        if code == "200":
            try:
                tokens.add(json.loads(body)["access_token"])
            except (ValueError, KeyError):
                statuses["200 unparsable"] = statuses.get("200 unparsable", 0) + 1
    print(json.dumps({
        "n": args.n,
        "statuses": statuses,
        "distinct_tokens": len(tokens),
        "answered_before_release": early,
        "first_sent": first_sent,
        "last_sent": last_sent,
        "released": released,
        "done_at": sorted(d for d in done_at if d is not None),
    }))


if __name__ == "__main__":
    asyncio.run(main())
