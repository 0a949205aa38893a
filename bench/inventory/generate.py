#!/usr/bin/env python3
"""Writes a large Ansible inventory: N hosts in G groups (INI), group parents by datacenter,
group_vars/ for every group and for `all`, and inline host variables.

  generate.py <dir> [--hosts 100000] [--groups 1000]
"""
import argparse, os

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("--hosts", type=int, default=100_000)
p.add_argument("--groups", type=int, default=1000)
a = p.parse_args()

os.makedirs(os.path.join(a.dir, "group_vars"), exist_ok=True)
per = a.hosts // a.groups
with open(os.path.join(a.dir, "hosts"), "w") as f:
    for g in range(a.groups):
        f.write(f"[g{g:04d}]\n")
        for i in range(per):
            n = g * per + i
            f.write(f"h{n:06d}.example.com ansible_host=10.{n // 65536}.{n // 256 % 256}.{n % 256} rack={n % 40}\n")
        f.write("\n")
    # Ten datacenters, each the parent of a tenth of the groups; two environments above them.
    for dc in range(10):
        f.write(f"[dc{dc}:children]\n")
        for g in range(dc, a.groups, 10):
            f.write(f"g{g:04d}\n")
        f.write(f"\n[dc{dc}:vars]\ndatacenter=dc{dc}\nntp=ntp{dc}.example.com\n\n")
    f.write("[prod:children]\n" + "".join(f"dc{dc}\n" for dc in range(8)) + "\n")
    f.write("[staging:children]\ndc8\ndc9\n\n[prod:vars]\nenv=prod\n\n[staging:vars]\nenv=staging\n")
with open(os.path.join(a.dir, "group_vars", "all.yml"), "w") as f:
    f.write("ansible_user: deploy\nntp: ntp.example.com\nlimits: {nofile: 65535, nproc: 4096}\n")
for g in range(a.groups):
    with open(os.path.join(a.dir, "group_vars", f"g{g:04d}.yml"), "w") as f:
        f.write(f"service: svc{g % 37}\nhttp_port: {8000 + g % 100}\nreplicas: {g % 5 + 1}\nenabled: yes\nmode: 0644\n")
