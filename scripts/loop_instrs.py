#!/usr/bin/env python3
"""Counts the instructions in the main loop of assembly kernels.

usage: loop_instrs.py BINARY SYMBOL...

Disassembles each symbol (GNU objdump; aarch64-linux-gnu-objdump for
arm64 binaries) and prints every innermost loop, i.e. every backward
branch whose body holds no other backward branch, with its instruction
count and its instructions, in address order. The main loop, the unrolled one the
others only finish up after, is the first.
"""
import re
import subprocess
import sys


def disasm(binary, sym):
    arch = subprocess.run(["file", "-L", binary], capture_output=True, text=True).stdout
    tool = "aarch64-linux-gnu-objdump" if "aarch64" in arch else "objdump"
    out = subprocess.run([tool, "-d", "--no-show-raw-insn", "--disassemble=" + sym, binary],
                         capture_output=True, text=True, check=True).stdout
    ins = []
    for l in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(.*?)\s*$", l)
        if m:
            ins.append((int(m.group(1), 16), m.group(2)))
    return ins


def loops(ins):
    addr = [a for a, _ in ins]
    back = []
    for i, (a, text) in enumerate(ins):
        m = re.match(r"^(j\w+|b\.\w+|b|cbn?z|tbn?z)\s+.*?\b([0-9a-f]{4,})\s+<", text)
        if m:
            target = int(m.group(2), 16)
            if target <= a and target in addr:
                back.append((addr.index(target), i))
    inner = [(s, e) for s, e in back if not any(s <= s2 and e2 <= e and (s2, e2) != (s, e) for s2, e2 in back)]
    return inner


for sym in sys.argv[2:]:
    ins = disasm(sys.argv[1], sym)
    print("==", sym, len(ins), "instructions")
    for s, e in sorted(loops(ins)):
        print("  loop of %d instructions at +%#x:" % (e - s + 1, ins[s][0] - ins[0][0]))
        for _, t in ins[s:e + 1]:
            print("     ", t)
