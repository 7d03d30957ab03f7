"""Summarises the jdk.ObjectAllocationSample events of a JFR recording (`jfr print --events ...` output).

Prints the sampled allocation weight per request and the top allocation sites, a site being the first frame outside
java.*/jdk.*/sun.* (the code that asked for the memory) and the class allocated; then the share of weight whose site
is the broker's own code (tokenbroker.*), with its sites. Usage: alloc.py PRINTED_EVENTS REQUESTS
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
    sites, ours, ours_any = collections.Counter(), collections.Counter(), 0.0
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
            sites[(site, cls)] += w
            if site.startswith("tokenbroker."):
                ours[(site, cls)] += w
            if any(f.startswith("tokenbroker.") for f in frames):
                ours_any += w
            stack, cls, w = None, None, 0.0
        elif stack is not None and s and s != "...":
            stack.append(s)
    print("allocation samples: %d; sampled weight %.1f MiB over %d requests: about %.0f bytes per request"
          % (n, total / 1024 ** 2, requests, total / requests))
    mine = sum(ours.values())
    print("allocated by the broker's own code (first non-JDK frame tokenbroker.*): %.1f%% of the weight, about %.0f bytes"
          " per request; stacks with a tokenbroker.* frame anywhere: %.1f%%"
          % (100 * mine / max(total, 1), mine / requests, 100 * ours_any / max(total, 1)))
    print("\ntop allocation sites (first non-JDK frame, class allocated), share of the weight:")
    for (site, c), v in sites.most_common(15):
        print("%6.1f%%  %s  [%s]" % (100 * v / max(total, 1), site, c))
    if ours:
        print("\nthe broker's own sites:")
        for (site, c), v in ours.most_common(10):
            print("%6.2f%%  %s  [%s]" % (100 * v / max(total, 1), site, c))


if __name__ == "__main__":
    main()
