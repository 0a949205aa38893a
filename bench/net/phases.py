#!/usr/bin/env python3
"""Compares om's probe phases with curl -w on the same URL: medians over N runs, in ms.

  phases.py OM URL N  → a Markdown table, and exit 1 when a phase differs by more than 1 ms.
"""
import json, statistics, subprocess, sys

om, url, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
fmt = "%{time_namelookup} %{time_connect} %{time_appconnect} %{time_pretransfer} %{time_starttransfer} %{time_total}\\n"
curl = [list(map(float, subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", fmt, url], capture_output=True, text=True).stdout.split()))
        for _ in range(n)]
out = subprocess.run([om, "http", "probe", url, "--count", str(n), "--interval", "0", "--jsonl"], capture_output=True, text=True).stdout
names = ["namelookup", "connect", "appconnect", "pretransfer", "starttransfer", "total"]
ours = [[json.loads(l)["timings_us"][k] / 1e6 for k in names] for l in out.splitlines()]
print("| phase | curl median ms | om median ms | difference ms |\n|---|---|---|---|")
worst = 0.0
for i, name in enumerate(names):
    c = statistics.median(r[i] for r in curl) * 1000
    o = statistics.median(r[i] for r in ours) * 1000
    worst = max(worst, abs(c - o))
    print(f"| {name} | {c:.3f} | {o:.3f} | {o - c:+.3f} |")
print(f"\nlargest difference: {worst:.3f} ms over {n} runs each")
sys.exit(0 if worst <= 1.0 else 1)
