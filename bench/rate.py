#!/usr/bin/env python3
"""Fixed-rate load for bench/proxy.sh: RATE requests per second over CONNS persistent connections for SECONDS,
open loop (each request is due at its slot, latency counted from when it was due, so a stall is not hidden).

usage: rate.py URL RATE SECONDS CONNS [--ca CAFILE]   prints {"p50_ms", "p99_ms", "requests", "errors", "rate"}
Standard library only; the client's own cost is the same for every URL measured, so differences are the servers'.
"""

import http.client, json, ssl, sys, threading, time, urllib.parse


def main():
    url, rate, seconds, conns = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    ca = sys.argv[sys.argv.index("--ca") + 1] if "--ca" in sys.argv else None
    u = urllib.parse.urlsplit(url)
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    latencies, errors, lock = [], [0], threading.Lock()
    start = time.monotonic() + 0.2
    interval = conns / rate

    def worker(k):
        def connect():
            if u.scheme == "https":
                return http.client.HTTPSConnection(u.hostname, u.port, timeout=5, context=ssl.create_default_context(cafile=ca))
            return http.client.HTTPConnection(u.hostname, u.port, timeout=5)
        c = connect()
        n = 0
        while True:
            due = start + (k / conns) * interval + n * interval
            if due > start + seconds:
                break
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                c.close()
                c = connect()
            took = time.monotonic() - due
            with lock:
                if ok:
                    latencies.append(took)
                else:
                    errors[0] += 1
            n += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")
    print(json.dumps({"p50_ms": round(q(0.50), 3), "p99_ms": round(q(0.99), 3), "requests": len(latencies),
                      "errors": errors[0], "rate": round(len(latencies) / seconds, 1)}))


if __name__ == "__main__":
    main()
