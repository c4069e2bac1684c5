"""`deemed batch` against DuckDB SQL over the same section 4.2 clauses, on the same log.

Both run on two threads, in turn, RUNS times each (after one warm-up of each); the script
prints each one's median wall time and records per second, then checks that the two agree
on the deemed date, the clause and the status of every record DuckDB answered.

    pip install duckdb==2.0.1
    cargo build --release --example gen_log && cargo build --release
    target/release/examples/gen_log 1000000 > /tmp/real1m.jsonl
    python3 benches/duckdb_compare.py /tmp/real1m.jsonl [RUNS]

The SQL is benches/duckdb_batch.sql; the calendar's closed days are taken from
`deemed calendar holidays`, so that both read the same calendar.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
DEEMED = os.path.join(HERE, "..", "target", "release", "deemed")


def closed_days(path):
    with open(path, "w", encoding="utf-8") as out:
        out.write("date\n")
        for year in range(1999, 2028):
            listed = subprocess.run(
                [DEEMED, "calendar", "holidays", str(year), "--format", "json"],
                check=True, capture_output=True, text=True,
            ).stdout
            for day in json.loads(listed):
                out.write(day["date"] + "\n")


def run_deemed(log, out):
    started = time.monotonic()
    subprocess.run(
        [DEEMED, "batch", log, "--output", out, "--quiet", "--threads", "2"],
        check=False, stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def run_duckdb(sql, out):
    started = time.monotonic()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(sql.replace("'OUT'", f"'{out}'"))
    con.close()
    return time.monotonic() - started


def main():
    log = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    records = sum(1 for _ in open(log, "rb"))
    work = tempfile.mkdtemp(prefix="deemed-duckdb-")
    closed = os.path.join(work, "closed.csv")
    closed_days(closed)
    with open(os.path.join(HERE, "duckdb_batch.sql"), encoding="utf-8") as f:
        sql = f.read().replace("'LOG'", f"'{log}'").replace("'CLOSED'", f"'{closed}'")
    ours, theirs = os.path.join(work, "deemed.jsonl"), os.path.join(work, "duckdb.jsonl")
    times = {"deemed": [], "duckdb": []}
    for n in range(runs + 1):
        for name, out, run in (("deemed", ours, lambda: run_deemed(log, ours)),
                               ("duckdb", theirs, lambda: run_duckdb(sql, theirs))):
            # Each writes a new file, as the other does.
            if os.path.exists(out):
                os.remove(out)
            took = run()
            if n > 0:
                times[name].append(took)
    for name, taken in times.items():
        median = statistics.median(taken)
        print(f"{name}: median {median:.3f} s over {runs} runs "
              f"({min(taken):.3f}-{max(taken):.3f}), {records / median:,.0f} records/s")
    by_line = {}
    for line in open(ours, encoding="utf-8"):
        r = json.loads(line)
        by_line[r["line"]] = r
    compared = differ = 0
    for line in open(theirs, encoding="utf-8"):
        r = json.loads(line)
        mine = by_line.get(r["line"])
        if mine is None or mine["status"] == "error":
            continue
        compared += 1
        if (mine["deemed_date"], mine["clause"], mine["status"]) != (
                r["deemed_date"], r["clause"], r["status"]):
            differ += 1
            if differ <= 5:
                print("differs:", mine, r)
    print(f"compared {compared:,} records: {differ:,} differ")


if __name__ == "__main__":
    main()
