#!/usr/bin/env python3
"""Times whole commands side by side: wall time, CPU time (user+sys of the whole process
tree), peak RSS, and, with --server-pid, the CPU a server process's children spent meanwhile.

Tools run alternately (a, b, c, a, b, c, ...) so that drift in the machine's load hits them
alike. Reports medians with min-max, and ratios against the first tool (or --baseline).

  measure.py --runs 5 --out bench/x/runs/DATE-MACHINE \
      --tool om 'om run all -i inv -a "uname -n"' \
      --tool ansible 'ansible all -i inv -a "uname -n"'

CPU time comes from wait4(): the kernel adds to a process's counts those of every descendant
it reaped, so `xargs -P ssh`, ansible's forks and om's threads are all counted. Peak RSS is
the largest resident set of any single process in the tree (ru_maxrss).
"""
import argparse, datetime, json, os, platform, shlex, statistics, subprocess, sys, time


def server_cpu(pid):
    """CPU seconds (utime+stime of reaped children) of a process, from /proc."""
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    # fields after ')' start at field 3 (state); cutime and cstime are fields 16 and 17.
    return (int(fields[13]) + int(fields[14])) / tick


def run_once(command, server_pid, env):
    before = server_cpu(server_pid)
    start = time.perf_counter()
    proc = subprocess.Popen(["/bin/sh", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    # sshd sessions may still be exiting; give the server a moment to reap them.
    time.sleep(0.3 if server_pid else 0)
    code = os.waitstatus_to_exitcode(status)
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,
        "server_cpu_s": server_cpu(server_pid) - before,
        "exit": code,
        "stderr_tail": stderr[-400:],
    }


def machine():
    model = "unknown-cpu"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(), "host": platform.node()}


def fmt(values, unit):
    med = statistics.median(values)
    return f"{med:.3f}{unit} ({min(values):.3f}–{max(values):.3f})"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--tool", nargs=2, action="append", metavar=("NAME", "COMMAND"), required=True)
    p.add_argument("--prepare", default="", help="run (untimed) before every measured command")
    p.add_argument("--server-pid", type=int, default=0, help="also report CPU of this process's reaped children")
    p.add_argument("--baseline", help="tool the ratios compare with (default: the first)")
    p.add_argument("--title", default="benchmark")
    p.add_argument("--out", help="directory for results.json and results.md")
    p.add_argument("--allow-failure", action="store_true", help="keep going when a command exits non-zero")
    a = p.parse_args()

    env = dict(os.environ)
    samples = {name: [] for name, _ in a.tool}
    for i in range(a.warmup + a.runs):
        for name, command in a.tool:
            if a.prepare:
                subprocess.run(["/bin/sh", "-c", a.prepare], check=True)
            r = run_once(command, a.server_pid, env)
            if r["exit"] != 0 and not a.allow_failure:
                sys.exit(f"{name} exited {r['exit']}:\n{r['stderr_tail']}")
            if i >= a.warmup:
                samples[name].append(r)
            print(f"  run {i + 1 - a.warmup if i >= a.warmup else 'warmup'} {name}: wall {r['wall_s']:.3f}s cpu {r['cpu_s']:.3f}s rss {r['max_rss_mb']:.1f}MB", file=sys.stderr)

    base = a.baseline or a.tool[0][0]
    med = lambda name, key: statistics.median(s[key] for s in samples[name])
    lines = [f"## {a.title}", "",
             f"{a.runs} runs after {a.warmup} warm-up, tools alternating; medians (min–max). "
             f"Ratios: the tool's median over {base}'s.", "",
             "| tool | wall | CPU (user+sys, tree) | peak RSS | server CPU | wall ÷ " + base + " | CPU ÷ " + base + " |",
             "|---|---|---|---|---|---|---|"]
    for name, command in a.tool:
        s = samples[name]
        w = [x["wall_s"] for x in s]; c = [x["cpu_s"] for x in s]; m = [x["max_rss_mb"] for x in s]; sv = [x["server_cpu_s"] for x in s]
        lines.append(f"| {name} | {fmt(w, 's')} | {fmt(c, 's')} | {statistics.median(m):.1f} MB | "
                     f"{statistics.median(sv):.2f}s | {med(name, 'wall_s') / med(base, 'wall_s'):.2f} | "
                     f"{med(name, 'cpu_s') / max(med(base, 'cpu_s'), 1e-9):.2f} |")
    lines += ["", "Commands:", ""] + [f"- {name}: `{command}`" for name, command in a.tool]
    mach = machine()
    lines += ["", f"Machine: {mach['cpu']}, {mach['cores']} cores, Linux {mach['kernel']}; "
                  f"{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}."]
    table = "\n".join(lines) + "\n"
    print(table)
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "results.json"), "w") as f:
            json.dump({"title": a.title, "machine": mach, "tools": dict(a.tool), "samples": samples}, f, indent=1)
        with open(os.path.join(a.out, "results.md"), "a") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
