#!/usr/bin/env python3
"""Makes a benchmark trace: a real recorded run (a text trace from zablab-viz --save-trace) with
N more peer messages appended that are sent but never delivered, so that at the last record N
messages are in flight between the servers (labelled PROPOSAL / ACK / COMMIT with zxids).

  make_inflight_trace.py IN.trace OUT.trace [--messages 1000]

Used by bench/RESULTS.md (zablab-viz frames per second with 1,000 messages in flight).
"""
import argparse
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--messages", type=int, default=1000)
    args = ap.parse_args()
    lines = [l.rstrip("\n") for l in open(args.input) if l.strip() and not l.startswith("#")]
    last = lines[-1].split("\t")
    seq, t = int(last[0]) + 1, int(last[1])
    servers = json.loads(lines[0].split("\t")[8]).get("servers", 3)
    # Connections between servers, as the recorded run opened them (sender, receiver) -> conn.
    conns = {}
    for l in lines:
        f = l.split("\t")
        if f[2] == "net.send" and f[4] != "-1":
            a, b = int(f[4]), int(f[5])
            if 0 < a <= servers and 0 < b <= servers:
                conns.setdefault((a, b), json.loads(f[8])["conn"])
    pairs = sorted(conns)
    out = list(lines)
    kinds = ["PROPOSAL", "ACK", "COMMIT"]
    for i in range(args.messages):
        a, b = pairs[i % len(pairs)]
        kind = kinds[i % 3]
        zxid = (1 << 32) + 100 + i // 3
        frames = [{"type": kind, "zxid": hex(zxid)}]
        detail = {"conn": conns[(a, b)], "bytes": 60, "frames": frames}
        t += 97  # ns: all sent within the last ~0.1 ms
        out.append("\t".join([str(seq), str(t), "net.send", str(a), str(a), str(b), kind, str(zxid),
                              json.dumps(detail, separators=(",", ":"))]))
        seq += 1
    open(args.output, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
