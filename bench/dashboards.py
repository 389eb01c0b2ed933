#!/usr/bin/env python3
"""Builds the example dashboards over a generated snapshot with one million deals, and runs
the same queries in the sqlite3 shell, side by side.

  bench/dashboards.py [--deals 1000000] [--runs 3]

Prints: the sqlite3 shell's time for every query the dashboards run (each templated page's
queries once per row, with its parameters), Deskbook's cold build (no query cache) and its
rebuild with the snapshot unchanged (every result from the cache), and the ratios.
Needs Debian's sqlite3 (installed if missing) and builds deskbook (release)."""
import argparse, json, os, re, shutil, sqlite3, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "out")
FENCE = re.compile(r"^```sql (\w+)[^\n]*\n(.*?)^```", re.S | re.M)
EACH = re.compile(r"^each: >-\n((?:  .*\n)+)", re.M)


def timed(command, **kwargs):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def shell_script(content, database):
    """Every query the dashboards run, as a sqlite3 shell script."""
    lines = [".output /dev/null"]
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    for folder, _, files in os.walk(os.path.join(content, "dashboards")):
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            queries = [sql for _, sql in FENCE.findall(text)]
            each = EACH.search(text)
            if each:
                each_sql = " ".join(line.strip() for line in each.group(1).splitlines())
                lines.append(each_sql + ";")
                cursor = connection.execute(each_sql)
                columns = [c[0] for c in cursor.description]
                for row in cursor.fetchall():
                    lines.append(".parameter clear")
                    for column, value in zip(columns, row):
                        lines.append(f".parameter set :{column} {literal(value)}")
                    lines += [sql.strip().rstrip(";") + ";" for sql in queries]
            else:
                lines.append(".parameter clear")
                lines += [sql.strip().rstrip(";") + ";" for sql in queries]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "sqlite3"], check=True)
    subprocess.run([os.path.join(ROOT, "scripts", "build-release")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    deskbook = os.path.join(ROOT, ".build", "release", "deskbook")

    database = os.path.join(WORK, f"office-{args.deals}.sqlite")
    if not os.path.exists(database):
        print(f"writing {database} ...", flush=True)
        subprocess.run([deskbook, "sample-data", "--deals", str(args.deals), "-o", database,
                        "--snapshot-at", "2026-11-26T06:00:00+08:00"], check=True, stdout=subprocess.DEVNULL)
    site = os.path.join(WORK, f"dashboards-{args.deals}")
    shutil.rmtree(site, ignore_errors=True)
    os.makedirs(os.path.join(site, "content"))
    for section in ["dashboards", "policies", "training", "faq"]:  # the pages dashboards and policies link to
        shutil.copytree(os.path.join(ROOT, "content", section), os.path.join(site, "content", section))
    with open(os.path.join(site, "content", "_index.md"), "w") as f:
        f.write("---\ntitle: bench\n---\n")
    # A build reads nothing outside its site folder: the snapshot goes in as a hard link.
    os.makedirs(os.path.join(site, "data"))
    os.link(database, os.path.join(site, "data", "office.sqlite"))
    with open(os.path.join(site, "deskbook.yaml"), "w") as f:
        # One audience that sees every page, so each query runs once as in the shell script.
        f.write("title: bench\naudiences: [managers]\ndata:\n  office: data/office.sqlite\nmax_rows: 100000\nquery_timeout: 600s\n")
    script = shell_script(os.path.join(site, "content"), database)
    query_count = sum(1 for line in script.splitlines() if not line.startswith("."))

    shell, cold, warm, nothing, warm_queries = [], [], [], [], []
    for run in range(args.runs):
        with open(os.devnull, "w") as null:
            shell.append(timed(["sqlite3", "-readonly", database], input=script.encode(), stderr=null))
        shutil.rmtree(os.path.join(site, ".deskbook-cache"), ignore_errors=True)
        out = os.path.join(site, f"public-{run}")
        cold.append(timed([deskbook, "build", "-q", "-s", site, "-o", out]))
        # The snapshot unchanged, a page's text edited: every query answer comes from the cache.
        page = os.path.join(site, "content", "dashboards", "_index.md")
        with open(page, "a", encoding="utf-8") as f:
            f.write(f"\n\n第 {run} 次修改。\n")
        warm.append(timed([deskbook, "build", "-q", "-s", site, "-o", out]))
        with open(os.path.join(out, "_build.json"), encoding="utf-8") as f:  # at the top of the release
            warm_queries.append(json.load(f)["queries_run"])
        nothing.append(timed([deskbook, "build", "-q", "-s", site, "-o", out]))

    print(f"snapshot: {args.deals} deals ({os.path.getsize(database) / 2**20:.0f} MiB); {query_count} queries; best of {args.runs}")
    print(f"{'':36}{'wall (s)':>10}")
    print(f"{'sqlite3 shell, the same queries':36}{min(shell):>10.2f}")
    print(f"{'deskbook build, cold (no cache)':36}{min(cold):>10.2f}")
    print(f"{'deskbook build, snapshot unchanged':36}{min(warm):>10.2f}   (a page edited; queries run: {max(warm_queries)})")
    print(f"{'deskbook build, nothing changed':36}{min(nothing):>10.2f}")
    print(f"ratio cold build / sqlite3: {min(cold) / min(shell):.2f}")


if __name__ == "__main__":
    main()
