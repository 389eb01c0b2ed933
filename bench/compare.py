#!/usr/bin/env python3
"""Builds the benchmark corpus with Deskbook and with Hugo, side by side, and prints wall
time, peak memory and the ratio.

  bench/compare.py [--pages 10000] [--runs 3] [--out DIR]

The corpus comes from ../shared/bench/make-corpus.py (deterministic), Hugo's templates from
../shared/bench/hugo. The tools take turns, --runs rounds, each run into a new output folder;
the median wall time and the largest peak memory are reported. Each round also rebuilds
Deskbook's output at once, with nothing changed and with one page changed: a rebuild is
compared with cold builds of the same minutes, as the machine's speed drifts over a run.
Needs Debian's hugo (installed if missing) and a release build of deskbook (built here).

On a disk, a run first waits until six minutes have passed since the benchmarks last deleted
their outputs there (`wait_for_quiet_disk`)."""
import argparse, os, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench"))
WORK = os.path.join(ROOT, "bench", "out")


def timed(command, cwd=None):
    """Runs a command; returns (wall seconds, peak resident memory in MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


# When the benchmarks last deleted outputs on the disk (the file's modification time).
LAST_DELETION = os.path.join(WORK, ".last-deletion")
# ext4 without a journal (this machine's disk) will not reuse an inode freed in the last 60 s,
# or 360 s while its table block is unwritten, and each new file or folder passes over every
# such inode of its block group again: for about six minutes after a tree of ten thousand
# folders is deleted, a build next to it makes each file and folder 10 to 100 times slower.
QUIET_AFTER = 370


def on_disk(folder):
    """Whether `folder` is on a disk (not tmpfs, like /dev/shm)."""
    folder, best, kind = os.path.realpath(folder), "", ""
    with open("/proc/mounts") as mounts:
        for line in mounts:
            _, point, fstype = line.split()[:3]
            if (folder == point or folder.startswith(point.rstrip("/") + "/")) and len(point) > len(best):
                best, kind = point, fstype
    return kind not in ("tmpfs", "ramfs")


def remove_outputs(outputs):
    """Deletes builds' outputs (a release link and its releases, or a folder), noting the time
    when they were on the disk."""
    removed = [out for out in outputs if os.path.lexists(out) or os.path.lexists(out + ".releases")]
    for out in removed:
        shutil.rmtree(out + ".releases", ignore_errors=True)
        if os.path.islink(out):
            os.unlink(out)
        shutil.rmtree(out, ignore_errors=True)
    if any(on_disk(os.path.dirname(out)) for out in removed):
        open(LAST_DELETION, "a").close()
        os.utime(LAST_DELETION)


def wait_for_quiet_disk(folder):
    """Before builds are timed on the disk, waits out the slow minutes after the last deletion."""
    if not on_disk(folder) or not os.path.exists(LAST_DELETION):
        return
    wait = QUIET_AFTER - (time.time() - os.path.getmtime(LAST_DELETION))
    if wait > 0:
        print(f"waiting {wait:.0f} s: new files on this disk are slow for six minutes after a deletion", flush=True)
        time.sleep(wait)


def median(measured):
    """Median wall time and the largest peak memory of several runs."""
    walls = sorted(r[0] for r in measured)
    return walls[len(walls) // 2], max(r[1] for r in measured)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=WORK, help="where the builds write (e.g. /dev/shm to leave the disk out)")
    args = parser.parse_args()

    if shutil.which("hugo") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=True)
    subprocess.run([os.path.join(ROOT, "scripts", "build-release")], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    deskbook = os.path.join(ROOT, ".build", "release", "deskbook")

    corpus = os.path.join(WORK, f"corpus-{args.pages}")
    if not os.path.isdir(corpus):
        subprocess.run([sys.executable, os.path.join(SHARED, "make-corpus.py"), str(args.pages), corpus], check=True)
    hugo_site = os.path.join(WORK, f"hugo-site-{args.pages}")
    if not os.path.isdir(hugo_site):
        shutil.copytree(corpus, hugo_site)
        shutil.copytree(os.path.join(SHARED, "hugo"), hugo_site, dirs_exist_ok=True)

    os.makedirs(args.out, exist_ok=True)
    wait_for_quiet_disk(args.out)
    # Each run writes a fresh folder, and none is deleted before the end: on this disk, a
    # deleted tree slows every file made after it (`QUIET_AFTER`), which would measure the
    # file system, not the tool. Runs alternate between the tools, so both meet the disk in
    # the same state.
    outputs = []
    runs = {name: [] for name in ["hugo", "deskbook", "deskbook, nothing changed", "deskbook, one page changed"]}
    page = os.path.join(corpus, "content", "faq", "faq-000001.md")
    with open(page, encoding="utf-8") as f:
        original = f.read()
    try:
        for run in range(args.runs):
            hugo_out, out = (os.path.join(args.out, f"out-{name}-{os.getpid()}-{run}") for name in ["hugo", "deskbook"])
            outputs += [hugo_out, out]
            runs["hugo"].append(timed(["hugo", "--quiet", "-d", hugo_out], cwd=hugo_site))
            # Cold: no cache from an earlier run.
            shutil.rmtree(os.path.join(corpus, ".deskbook-cache"), ignore_errors=True)
            quiet = [deskbook, "build", "-q", "-s", corpus, "-o", out]
            runs["deskbook"].append(timed(quiet))
            # The cold runs' files (outputs, and a build cache of 60 MB) are written out to the
            # disk first: their write-back would otherwise run on the cores while the rebuilds
            # are timed, which a site rebuilt every few minutes does not meet.
            os.sync()
            runs["deskbook, nothing changed"].append(timed(quiet))
            # One page's text changed (and changed back at the end, so the corpus stays as
            # generated). Two edits first, untimed: from the third rebuild on, a build makes over
            # the oldest of the releases kept (`Releases.keep`) instead of filling an empty
            # folder, which is how a site rebuilt on a schedule runs.
            for edit in range(3):
                with open(page, "w", encoding="utf-8") as f:
                    f.write(original + f"\n\n追加的說明 {run} {edit}。\n")
                measured = timed(quiet)
            runs["deskbook, one page changed"].append(measured)
    finally:
        with open(page, "w", encoding="utf-8") as f:
            f.write(original)
    results = {name: median(measured) for name, measured in runs.items()}
    remove_outputs(outputs)

    pages = sum(len(files) for _, _, files in os.walk(os.path.join(corpus, "content")))
    print(f"corpus: {pages} Markdown files ({args.pages} pages), median of {args.runs} cold runs taken in turns, {os.cpu_count()} cores")
    print(f"{'tool':<28}{'wall (s)':>10}{'peak (MiB)':>12}")
    for name, (wall, memory) in results.items():
        print(f"{name:<28}{wall:>10.2f}{memory:>12.0f}")
    hugo_wall, hugo_memory = results["hugo"]
    wall, memory = results["deskbook"]
    print(f"ratio deskbook/hugo: wall {wall / hugo_wall:.2f}, peak memory {memory / hugo_memory:.2f}")
    for name in ["deskbook, nothing changed", "deskbook, one page changed"]:
        print(f"ratio {name[10:]} / deskbook cold: {results[name][0] / wall:.3f}")


if __name__ == "__main__":
    main()
