#!/usr/bin/env python3
"""Listens on N random TCP ports of ADDR, prints them sorted on one line, stays until killed."""
import random, socket, sys, time

addr, n = sys.argv[1], int(sys.argv[2])
random.seed(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
socks, ports = [], []
for port in random.sample(range(1025, 65000), n * 3):
    s = socket.socket()
    try:
        s.bind((addr, port))
    except OSError:
        continue
    s.listen(128)
    socks.append(s)
    ports.append(port)
    if len(ports) == n:
        break
print(",".join(map(str, sorted(ports))), flush=True)
while True:
    time.sleep(3600)
