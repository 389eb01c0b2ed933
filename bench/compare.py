#!/usr/bin/env python3
"""Builds the benchmark corpus with Deskbook and with Hugo, side by side, and prints wall
time, peak memory and the ratio.

  bench/compare.py [--pages 10000] [--runs 3] [--out DIR]

The corpus comes from ../shared/bench/make-corpus.py (deterministic), Hugo's templates from
../shared/bench/hugo. The tools take turns, --runs times each, each run into a new output
folder; the median wall time and the largest peak memory are reported. Each run also times
a Deskbook rebuild with nothing changed and one with one page changed, on a copy of the corpus,
so that rebuilds and cold builds are timed in the same minutes.
Needs Debian's hugo (installed if missing) and a release build of deskbook (built here)."""
import argparse, os, resource, shutil, subprocess, sys, time

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

    # Rebuilds run on a copy of the corpus with a build cache of its own, into one output
    # folder, so that they can take turns with the cold builds: each run times Hugo, a cold
    # Deskbook build, a rebuild with nothing changed and one with one page's text changed,
    # one after another, and a slow minute of the machine falls on all of them alike.
    rebuilt = corpus + "-rebuilt"
    shutil.rmtree(rebuilt, ignore_errors=True)
    shutil.copytree(corpus, rebuilt, ignore=shutil.ignore_patterns(".deskbook-cache"))
    rebuilt_out = os.path.join(args.out, f"out-rebuilt-{os.getpid()}")
    quiet = [deskbook, "build", "-q", "-s", rebuilt, "-o", rebuilt_out]
    page = os.path.join(rebuilt, "content", "faq", "faq-000001.md")
    with open(page, encoding="utf-8") as f:
        original = f.read()

    def edit(text):
        with open(page, "w", encoding="utf-8") as f:
            f.write(original + text)

    timed(quiet)
    # Two edits first, untimed: from the third rebuild on, a build makes over the oldest of
    # the releases kept (`Releases.keep`) instead of filling an empty folder, which is how
    # a site rebuilt on a schedule runs.
    for run in range(2):
        edit(f"\n\n預先的說明 {run}。\n")
        timed(quiet)

    # Each cold run writes a fresh folder: recreating a just-deleted tree of 10,000 folders
    # is much slower on this disk (discard) and would measure the file system, not the tool.
    # Hugo and Deskbook alternate, so both meet the disk in the same state.
    outputs = [rebuilt_out]
    runs = {"hugo": [], "deskbook": [], "deskbook, nothing changed": [], "deskbook, one page changed": []}
    for run in range(args.runs):
        for name in ["hugo", "deskbook"]:
            out = os.path.join(args.out, f"out-{name}-{os.getpid()}-{run}")
            outputs.append(out)
            if name == "hugo":
                runs[name].append(timed(["hugo", "--quiet", "-d", out], cwd=hugo_site))
            else:
                # Cold: no cache from an earlier run.
                shutil.rmtree(os.path.join(corpus, ".deskbook-cache"), ignore_errors=True)
                runs[name].append(timed([deskbook, "build", "-q", "-s", corpus, "-o", out]))
        runs["deskbook, nothing changed"].append(timed(quiet))
        edit(f"\n\n追加的說明 {run}。\n")
        runs["deskbook, one page changed"].append(timed(quiet))
    results = {name: median(measured) for name, measured in runs.items()}
    for out in outputs:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(out + ".releases", ignore_errors=True)
        if os.path.islink(out):
            os.unlink(out)
    shutil.rmtree(rebuilt, ignore_errors=True)

    pages = sum(len(files) for _, _, files in os.walk(os.path.join(corpus, "content")))
    print(f"corpus: {pages} Markdown files ({args.pages} pages), median of {args.runs} runs taken in turns, {os.cpu_count()} cores")
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
