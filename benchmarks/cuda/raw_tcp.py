#!/usr/bin/env python3
"""Raw loopback TCP, the floor of Orion's copies over TCP, measured in the same run as orion_bench.

    raw_tcp.py measure [--max-mib N] [--repeats N] > raw-tcp.out
    raw_tcp.py table RAW_OUTPUT ORION_OUTPUT >> cuda-bench.md

measure: a receiver process (forked, so that the two ends do not share an interpreter lock) reads N MiB from a
loopback socket and answers with one byte, as a copy's reply does; the sender times bytes + answer. Prints
orion_bench's case lines (case=raw_tcp_<N>MiB unit=GB/s better=higher value=<median> min= max= n=) for 1, 16 and
256 MiB (those above --max-mib are left out).
table: for every orion_bench copy case (memcpy_<h2d|d2h>_<pinned|pageable>_<N>MiB) the raw figure of the same size
and Orion as a share of it: the copy path's overhead over the transport's floor (the target is 90% or more).
"""
import os
import socket
import statistics
import sys
import time

SIZES_MIB = (1, 16, 256)
GB = 1e9


def receiver(listener, sizes, repeats):
    connection, _ = listener.accept()
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = bytearray(4 << 20)
    view = memoryview(buffer)
    for size in sizes:
        for _ in range(repeats + 1):
            left = size
            while left:
                read = connection.recv_into(view[:min(left, len(buffer))])
                if not read:
                    os._exit(1)
                left -= read
            connection.sendall(b"k")
    os._exit(0)


def measure(max_mib, repeats):
    sizes = [mib << 20 for mib in SIZES_MIB if mib <= max_mib]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    child = os.fork()
    if child == 0:
        receiver(listener, sizes, repeats)
    sender = socket.create_connection(listener.getsockname())
    sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = memoryview(bytearray(os.urandom(1 << 20)) * (max(sizes) >> 20)) if sizes else memoryview(b"")
    for size in sizes:
        rates = []
        for attempt in range(repeats + 1):  # the first warms up
            started = time.perf_counter()
            sender.sendall(payload[:size])
            if sender.recv(1) != b"k":
                raise SystemExit("raw_tcp: the receiver stopped")
            elapsed = time.perf_counter() - started
            if attempt:
                rates.append(size / elapsed / GB)
        print(f"case=raw_tcp_{size >> 20}MiB unit=GB/s better=higher value={statistics.median(rates):.3f} "
              f"min={min(rates):.3f} max={max(rates):.3f} n={len(rates)}")
    sender.close()
    os.waitpid(child, 0)


def parse(path):
    cases = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            for line in stream:
                if line.startswith("case=") and len(line) < 4096:
                    fields = dict(token.partition("=")[::2] for token in line.split() if "=" in token)
                    cases[fields["case"]] = fields
    except OSError:
        pass
    return cases


def value(fields):
    try:
        return float((fields or {}).get("value", ""))
    except ValueError:
        return None


def table(raw_path, orion_path):
    raw, orion = parse(raw_path), parse(orion_path)
    print("| copy (through Orion) | Orion GB/s | raw loopback TCP GB/s (same size) | Orion / raw |")
    print("| --- | ---: | ---: | ---: |")
    for name, fields in orion.items():
        if not name.startswith("memcpy_") or not name.endswith("MiB") or name.endswith("_4B"):
            continue
        size = name.rsplit("_", 1)[1]
        copy, floor = value(fields), value(raw.get(f"raw_tcp_{size}"))
        share = f"{copy / floor:.0%}" if copy and floor else "-"
        print(f"| {name} | {copy if copy is not None else '-'} | {floor if floor is not None else '-'} | {share} |")


def main(argv):
    if len(argv) >= 2 and argv[1] == "measure":
        max_mib, repeats = 256, 5
        args = argv[2:]
        for flag, current in zip(args[::2], args[1::2]):
            if flag == "--max-mib":
                max_mib = int(current)
            elif flag == "--repeats":
                repeats = int(current)
        measure(max_mib, repeats)
        return 0
    if len(argv) == 4 and argv[1] == "table":
        table(argv[2], argv[3])
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
