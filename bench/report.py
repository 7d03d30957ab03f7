#!/usr/bin/env python3
"""Turns the raw outputs of bench/run.sh (its scratch directory) into the results table: printed, and written
between the results markers of BENCHMARKS.md (the rest of that file is left as it is)."""

import argparse
import json
import os
import re
import statistics

BEGIN = "<!-- bench/run.sh: results begin (this section is replaced on every run) -->"
END = "<!-- bench/run.sh: results end -->"

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError("unknown wrk duration: " + text)
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def parse_wrk(path):
    text = open(path).read()
    out = {"rps": None, "p50": None, "p99": None, "requests": None, "non2xx": 0, "socket_errors": 0}
    for line in text.splitlines():
        s = line.split()
        if line.startswith("Requests/sec:"):
            out["rps"] = float(s[1])
        elif s[:1] == ["50%"]:
            out["p50"] = to_ms(s[1])
        elif s[:1] == ["99%"]:
            out["p99"] = to_ms(s[1])
        elif "requests in" in line:
            out["requests"] = int(s[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            out["non2xx"] = int(s[-1])
        elif line.strip().startswith("Socket errors:"):
            out["socket_errors"] = sum(int(x) for x in re.findall(r"\d+", line))
    if out["rps"] is None or out["p99"] is None:
        raise ValueError("cannot read wrk output " + path + ":\n" + text)
    return out


def fmt_ms(v):
    if v is None:
        return "-"
    return "%.3f ms" % v if v < 1 else ("%.2f ms" % v if v < 100 else "%.0f ms" % v)


def verdict(ok):
    return "**pass**" if ok else "**miss**"


def header_bytes(path):
    # curl -D: the status line and headers with their CRLFs, and the blank line
    return os.path.getsize(path)


def header_names(path):
    lines = open(path, encoding="latin-1", newline="").read().split("\r\n")[1:]
    return ", ".join(l.split(":", 1)[0] for l in lines if ":" in l)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--graph-scope", required=True)
    p.add_argument("--burst-scope", required=True)
    args = p.parse_args()
    w = args.work

    r = {}
    for line in open(os.path.join(w, "results.tsv")):
        k, _, v = line.rstrip("\n").partition("\t")
        r[k] = v
    secs = int(r["seconds"])

    rows = []  # (measure, broker, nginx, ratio, target, verdict)
    checks = []

    # 1. start-up
    ready_ms = float(r["ready_ms"])
    at_ready = json.load(open(os.path.join(w, "idp-at-ready.json")))["posts"]
    ready = json.load(open(os.path.join(w, "ready.json")))
    prefetched = at_ready.get(args.graph_scope) == 1 and at_ready.get(args.burst_scope) == 1 and ready["status"] == "UP"
    ok = ready_ms <= 2000
    checks.append(ok)
    rows.append(("start to ready (process start → `/q/health/ready` UP, both tokens fetched)",
                 "%.2f s" % (ready_ms / 1000), "", "", "≤ 2 s", verdict(ok)))
    rows.append(("  Quarkus' own \"started in\" (log)", r.get("quarkus_started") or "-", "", "", "", "info"))
    rows.append(("  IdP requests at readiness (graph, burst)",
                 "%s, %s" % (at_ready.get(args.graph_scope, 0), at_ready.get(args.burst_scope, 0)), "", "",
                 "1, 1", verdict(prefetched)))
    checks.append(prefetched)

    # 2.-4. cached tokens
    wrk_notes = []
    tck = float(r.get("clk_tck", "100"))
    cpu_rows = []
    doors = (("native", "`GET /v1/tokens/graph`"), ("msi", "`GET /msi/token?...resource=https://graph.microsoft.com`"),
             ("imds", "`GET /metadata/identity/oauth2/token?...`"))
    for kind, label in doors:
        for shape, flags in (("t1-c1", "-t1 -c1"), ("t1-c64", "-t1 -c64"), ("t2-c64", "-t2 -c64")):
            b = parse_wrk(os.path.join(w, "wrk-broker-%s-%s.txt" % (kind, shape)))
            n = parse_wrk(os.path.join(w, "wrk-nginx-%s-%s.txt" % (kind, shape)))
            for who, m in (("broker", b), ("nginx", n)):
                if m["non2xx"] or m["socket_errors"]:
                    wrk_notes.append("%s %s %s: %d non-2xx responses, %d socket errors" % (
                        who, kind, flags, m["non2xx"], m["socket_errors"]))
            tr = b["rps"] / n["rps"]
            pr = b["p99"] / n["p99"]
            t_ok = tr >= 0.8 and b["non2xx"] == 0 and b["socket_errors"] == 0
            p_ok = pr <= 1.5
            if shape == "t1-c1":
                checks.append(p_ok)  # one connection: the target is the latency only
            else:
                checks += [t_ok, p_ok]
            rows.append(("%s `%s` requests/s" % (label, flags), "{:,.0f}".format(b["rps"]), "{:,.0f}".format(n["rps"]),
                         "%.2f×" % tr, "" if shape == "t1-c1" else "≥ 0.8× nginx",
                         "info" if shape == "t1-c1" else verdict(t_ok)))
            rows.append(("%s `%s` p50" % (label, flags), fmt_ms(b["p50"]), fmt_ms(n["p50"]),
                         "%.2f×" % (b["p50"] / n["p50"]), "", "info"))
            rows.append(("%s `%s` p99" % (label, flags), fmt_ms(b["p99"]), fmt_ms(n["p99"]), "%.2f×" % pr,
                         "≤ 1.5× nginx", verdict(p_ok)))
            key = shape.replace("-", "_")
            cb, cn = r.get("cpu_broker_%s_%s" % (kind, key)), r.get("cpu_nginx_%s_%s" % (kind, key))
            if cb and cn and b["requests"] and n["requests"]:
                ub = float(cb) / tck * 1e6 / b["requests"]
                un = float(cn) / tck * 1e6 / n["requests"]
                cpu_rows.append(("%s `%s` CPU time per request (server's utime + stime)" % (label, flags),
                                 "%.1f µs" % ub, "%.1f µs" % un, "%.2f×" % (ub / un) if un else "-", "", "info"))
    rows += cpu_rows

    # 5. cold burst
    burst = json.load(open(os.path.join(w, "burst.json")))
    idp2 = json.load(open(os.path.join(w, "idp2-after-burst.json")))
    burst_posts = idp2["posts"].get(args.burst_scope, 0)
    answered = idp2["answered_at"].get(args.burst_scope, [])
    ok_200 = burst["statuses"].get("200", 0)
    n_burst = burst["n"]
    done = burst["done_at"]
    idp_ok = burst_posts == 1
    all_ok = ok_200 == n_burst and burst["distinct_tokens"] == 1 and burst["answered_before_release"] == 0
    checks += [idp_ok, all_ok]
    rows.append(("cold burst: IdP requests for %d concurrent first requests" % n_burst, str(burst_posts), "", "",
                 "1", verdict(idp_ok)))
    rows.append(("cold burst: callers answered 200, all with the one token fetched",
                 "%d / %d (%d distinct token%s)" % (ok_200, n_burst, burst["distinct_tokens"],
                                                    "" if burst["distinct_tokens"] == 1 else "s"),
                 "", "", "all", verdict(all_ok)))
    if done and answered:
        idp_answer = answered[0]
        fan = [(d - idp_answer) * 1000 for d in done]
        rows.append(("cold burst: first request sent → every caller has its token (includes the parked IdP request)",
                     fmt_ms((done[-1] - burst["first_sent"]) * 1000), "", "", "", "info"))
        rows.append(("cold burst: IdP answered → every caller has its token (fan-out; p50 / p99 / max)",
                     "%s / %s / %s" % (fmt_ms(statistics.median(fan)),
                                      fmt_ms(fan[min(len(fan) - 1, int(len(fan) * 0.99))]), fmt_ms(fan[-1])),
                     "", "", "", "info"))
        rows.append(("cold burst: time to write all %d requests (after all connections were open)" % n_burst,
                     fmt_ms((burst["last_sent"] - burst["first_sent"]) * 1000), "", "", "", "info"))

    # 6. RSS
    mib = lambda kib: int(kib) / 1024.0
    rss_load = mib(r["rss_load_kib"])
    ok = rss_load <= 90
    checks.append(ok)
    rows.append(("RSS after start (VmRSS, 1 s after ready)", "%.0f MiB" % mib(r["rss_start_kib"]), "", "", "", "info"))
    rows.append(("RSS after the load (VmRSS, after steps 2–4)", "%.0f MiB" % rss_load, "", "", "≤ 90 MiB",
                 verdict(ok)))
    rows.append(("  peak RSS of the run (VmHWM)", "%.0f MiB" % mib(r["hwm_kib"]), "", "", "", "info"))
    rows.append(("RSS of the second broker after the burst", "%.0f MiB" % mib(r["rss_burst_kib"]), "", "", "", "info"))

    # the section
    trial = secs < 30
    title = "Results"
    label = r.get("label", "")
    if trial:
        title += ": TRIAL (%d s per measurement, warm-up %s s; not a result)" % (secs, r["warmup"])
    if label:
        title += " (%s)" % label
    out = [BEGIN, "", "## " + title, ""]
    if trial:
        out += ["> **Trial run**: %d s per wrk measurement instead of 30, on a machine that may have been busy "
                "(see the load average). Numbers for checking that the benchmark works, not for judging the broker." % secs, ""]
    out += [
        "Machine and run:",
        "",
        "- date: %s; commit %s" % (r["date"], r["commit"]),
        "- %s cores (`nproc`), %s, %s memory; kernel %s" % (r["nproc"], r["cpu"], r["memory"], r["kernel"]),
        "- %s" % r["java"],
        "- %s; %s (worker_processes %s)" % (r["wrk"], r["nginx"], r["nginx_workers"]),
        "- load average (1, 5, 15 min) before: %s; after: %s" % (r["loadavg_before"], r["loadavg_after"]),
        "- broker JVM flags (from `jvm.args`, as in `Dockerfile.jvm`): `%s`; ports on 127.0.0.1: %s" % (r["jvm_flags"], r["ports"]),
        "- wrk: %d s per measurement, broker warmed up %s s per endpoint (nginx 2 s); body %s bytes (native), %s bytes (msi), %s bytes (imds)"
        % (secs, r["warmup"], r["native_bytes"], r["msi_bytes"], r.get("imds_bytes", "?")),
        "",
        "| measure | broker | nginx | broker / nginx | target | |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("Targets met: %d of %d." % (sum(checks), len(checks)))
    out.append("")
    notes = [
        "response headers, broker: %d bytes (%s); nginx: %d bytes (%s)" % (
            header_bytes(os.path.join(w, "native.headers")), header_names(os.path.join(w, "native.headers")),
            header_bytes(os.path.join(w, "nginx-native.headers")), header_names(os.path.join(w, "nginx-native.headers"))),
    ]
    notes += wrk_notes
    if burst["statuses"].keys() - {"200"}:
        notes.append("burst answers other than 200: %s" % burst["statuses"])
    if burst["answered_before_release"]:
        notes.append("%d burst callers were answered before the IdP answered" % burst["answered_before_release"])
    out.append("Notes:")
    out.append("")
    out += ["- " + n for n in notes]
    profile = os.path.join(w, "profile.txt")
    if os.path.exists(profile):
        lines = open(profile).read().rstrip("\n").splitlines()
        out += ["", "JFR execution samples of the broker during one more `-t2 -c64` run of `GET /v1/tokens/graph` "
                "(`BENCH_PROFILE=1`; Java frames only, stacks cut at JFR's default depth of 64):", "", "```"]
        out += lines[:60]
        out += ["```"]
    alloc = os.path.join(w, "alloc.txt")
    if os.path.exists(alloc):
        out += ["", "JFR allocation profile (`jdk.ObjectAllocationSample`, `settings=profile`) of the broker during one more "
                "`-t1 -c64` run of `GET /v1/tokens/graph` with the cached token (`BENCH_ALLOC=1`):", "", "```"]
        out += open(alloc).read().rstrip("\n").splitlines()[:40]
        out += ["```"]
    out += ["", END]
    section = "\n".join(out) + "\n"

    print(section)
    if os.path.exists(args.out):
        text = open(args.out).read()
    else:
        text = "# token-broker benchmarks\n\nWritten by `bench/run.sh`.\n\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section.rstrip("\n") + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.out + ".tmp", "w") as f:
        f.write(text)
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
