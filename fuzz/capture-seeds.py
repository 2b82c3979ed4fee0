#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Captures real proc connector datagrams from the kernel as fuzz seeds
(each prefixed with the two control bytes fuzz-dispatch.c expects), and
writes malformed variants of them. Run as root: it makes the events."""
import os, socket, struct, subprocess, sys, time, select

out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus"
os.makedirs(out, exist_ok=True)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 11)  # NETLINK_CONNECTOR
s.bind((0, 1))  # group CN_IDX_PROC
ack = 4242
listen = struct.pack("=IHHII", 16 + 20 + 4, 3, 0, 0, os.getpid()) + \
    struct.pack("=IIIIHH", 1, 1, 0, ack, 4, 0) + struct.pack("=I", 1)
s.send(listen)

# Every kind: fork, exec, exit (0 and 3), uid/gid, sid, comm, ptrace, coredump, threads.
script = r'''
import os, ctypes, signal, resource, threading, time
subprocess_true = os.system("true; exit 3")
pid = os.fork()
if pid == 0:
    os.setsid()
    libc = ctypes.CDLL(None)
    libc.prctl(15, b"gq-seed", 0, 0, 0)
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    os._exit(0)
os.waitpid(pid, 0)
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.kill(os.getpid(), signal.SIGSEGV)
    os._exit(1)
os.waitpid(pid, 0)
pid = os.fork()
if pid == 0:
    time.sleep(5)
    os._exit(0)
libc = ctypes.CDLL(None)
libc.ptrace(16, pid, 0, 0)   # PTRACE_ATTACH
os.waitpid(pid, 0)
libc.ptrace(17, pid, 0, 0)   # PTRACE_DETACH
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
t = threading.Thread(target=lambda: None); t.start(); t.join()
'''
subprocess.run([sys.executable, "-c", script], check=False)
kinds = {}
deadline = time.time() + 2
while time.time() < deadline:
    r, _, _ = select.select([s], [], [], 0.2)
    if not r:
        continue
    data = s.recv(4096)
    what = struct.unpack_from("=I", data, 36)[0] if len(data) >= 40 else None
    if what is None or what in kinds and what != 0x80000000:
        continue
    kinds.setdefault(what, []).append(data)
ignore = struct.pack("=IHHII", 16 + 20 + 4, 3, 0, 0, os.getpid()) + \
    struct.pack("=IIIIHH", 1, 1, 0, ack + 1, 4, 0) + struct.pack("=I", 2)
s.send(ignore)

names = {0: "ack", 1: "fork", 2: "exec", 4: "uid", 0x40: "gid", 0x80: "sid",
         0x100: "ptrace", 0x200: "comm", 0x40000000: "coredump", 0x80000000: "exit"}
def write(name, datagram, control=b"\x00\x00"):
    with open(os.path.join(out, name), "wb") as f:
        f.write(control + datagram)

for what, msgs in kinds.items():
    for i, m in enumerate(msgs[:3]):
        write("real-%s-%d" % (names.get(what, hex(what)), i), m)
        write("real-%s-%d-bpf-stop" % (names.get(what, hex(what)), i), m, b"\x03\x00")
fork = kinds.get(1, [None])[0]
if fork:
    write("bad-truncated-40", fork[:40])
    write("bad-nlmsg-len-huge", struct.pack("=I", 4096) + fork[4:])
    write("bad-nlmsg-len-short", struct.pack("=I", 8) + fork[4:])
    write("bad-cn-len", fork[:32] + struct.pack("=H", 200) + fork[34:])
    write("bad-cn-idx", fork[:16] + struct.pack("=I", 2) + fork[20:])
    write("bad-type", fork[:4] + struct.pack("=H", 2) + fork[6:])
    write("bad-sender", fork, b"\x00\x07")
    write("two-messages", fork + fork)
    write("multi-bit-what", fork[:36] + struct.pack("=I", 3) + fork[40:])
    write("unknown-kind", fork[:36] + struct.pack("=I", 0x400) + fork[40:])
print("kinds captured:", ", ".join(names.get(k, hex(k)) for k in sorted(kinds)))
