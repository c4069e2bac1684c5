#!/usr/bin/env python3
"""Runs commands in interleaved rounds and prints, for each, the least and the median
wall-clock time and their ratios to the first command's, taken within the same rounds.

    benches/interleaved.py ROUNDS LABEL=COMMAND [LABEL=COMMAND ...]

A shared machine's speed swings from one minute to the next; a ratio taken within
interleaved rounds holds better than two times taken apart.
"""
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    cases = [arg.split("=", 1) for arg in sys.argv[2:]]
    times = {label: [] for label, _ in cases}
    for _ in range(rounds):
        for label, command in cases:
            start = time.perf_counter()
            subprocess.run(command, shell=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            times[label].append(time.perf_counter() - start)
    first = None
    for label, _ in cases:
        least, median = min(times[label]), statistics.median(times[label])
        first = first or (least, median)
        print(f"{label:12} least {least * 1000:7.1f} ms  median {median * 1000:7.1f} ms  "
              f"against the first: {least / first[0]:.3f} / {median / first[1]:.3f}")


if __name__ == "__main__":
    main()
