"""Summarises the jdk.ObjectAllocationSample events of a JFR recording (`jfr print --events ...` output).

Prints the top allocation sites, a site being the first frame outside java.*/jdk.*/sun.* (the code that asked for
the memory) and the class allocated, by share of the samples; then the samples whose site is the broker's own code
(tokenbroker.*), with their sites. Shares are of samples, not of JFR's weights: a sample's weight is the memory its
thread allocated since its previous sample, which heaps a whole start-up burst onto one site (Netty's channel
registration when wrk opens its connections). Usage: alloc.py PRINTED_EVENTS REQUESTS
"""
import collections
import re
import sys

UNITS = {"bytes": 1, "byte": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def weight(text):
    m = re.match(r"([0-9.,]+)\s*(bytes|byte|kB|MB|GB)", text.strip())
    return float(m.group(1).replace(",", "")) * UNITS[m.group(2)] if m else 0.0


def main():
    path, requests = sys.argv[1], max(1, int(sys.argv[2]))
    sites, ours, ours_any = collections.Counter(), collections.Counter(), 0
    total, n = 0.0, 0
    cls, w, stack = None, 0.0, None
    for line in open(path, encoding="utf-8", errors="replace"):
        s = line.strip()
        if s.startswith("objectClass = "):
            cls = s[len("objectClass = "):].split(" (")[0]
        elif s.startswith("weight = "):
            w = weight(s[len("weight = "):])
        elif s.startswith("stackTrace = ["):
            stack = []
        elif stack is not None and s == "]":
            frames = [re.sub(r"\s+line:.*$", "", f) for f in stack]
            site = next((f for f in frames if not re.match(r"(java|jdk|sun)\.", f)), frames[0] if frames else "?")
            n += 1
            total += w
            sites[(site, cls)] += 1
            if site.startswith("tokenbroker."):
                ours[(site, cls)] += 1
            if any(f.startswith("tokenbroker.") for f in frames):
                ours_any += 1
            stack, cls, w = None, None, 0.0
        elif stack is not None and s and s != "...":
            stack.append(s)
    print("allocation samples: %d over %d requests (JFR weight %.0f bytes per request, all code)"
          % (n, requests, total / requests))
    mine = sum(ours.values())
    print("samples allocated by the broker's own code (first non-JDK frame tokenbroker.*): %d (%.1f%%); samples with a"
          " tokenbroker.* frame anywhere in the stack: %d (%.1f%%)"
          % (mine, 100.0 * mine / max(n, 1), ours_any, 100.0 * ours_any / max(n, 1)))
    print("\ntop allocation sites (first non-JDK frame, class allocated), share of the samples:")
    for (site, c), v in sites.most_common(15):
        print("%6.1f%%  %s  [%s]" % (100.0 * v / max(n, 1), site, c))
    print("\nthe broker's own sites:" + ("" if ours else " none"))
    for (site, c), v in ours.most_common(10):
        print("%6.1f%%  %s  [%s]" % (100.0 * v / max(n, 1), site, c))


if __name__ == "__main__":
    main()
