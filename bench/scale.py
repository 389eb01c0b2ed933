#!/usr/bin/env python3
"""How a cold build grows with the site: the 10,000-page and the 100,000-page corpus built
in turns, with wall time, peak memory and the ratio of the two.

  bench/scale.py [--runs 1] [--out DIR] [--large 100000]

Both corpora come from ../shared/bench/make-corpus.py (made here if missing; the large one
is 670 MB), and each is read once, untimed, before it is built. Issue #7 asks for at most
11 times the time and under 1 GiB of memory. On a disk, the outputs are kept until the end
(a deleted tree slows the next build: compare.py's `wait_for_quiet_disk`), which needs about
1.3 GB a run."""
import argparse, os, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, SHARED, WORK, median, on_disk, remove_outputs, timed, wait_for_quiet_disk  # noqa: E402


def warm(corpus):
    """Reads every file of the corpus, untimed: this machine's memory reclaim drops files not
    read for a while (and building one corpus pushes the other out), so each build is timed
    with its inputs in memory, as every run of compare.py is."""
    for folder, _, files in os.walk(corpus):
        for name in files:
            with open(os.path.join(folder, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out", default=WORK, help="where the builds write (e.g. /dev/shm to leave the disk out)")
    parser.add_argument("--small", type=int, default=10000)
    parser.add_argument("--large", type=int, default=100000)
    args = parser.parse_args()

    subprocess.run([os.path.join(ROOT, "scripts", "build-release")], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    deskbook = os.path.join(ROOT, ".build", "release", "deskbook")
    sizes = [args.small, args.large]
    corpora = {}
    for pages in sizes:
        corpus = os.path.join(WORK, f"corpus-{pages}")
        if not os.path.isdir(corpus):
            subprocess.run([sys.executable, os.path.join(SHARED, "make-corpus.py"), str(pages), corpus], check=True)
        corpora[pages] = corpus

    os.makedirs(args.out, exist_ok=True)
    wait_for_quiet_disk(args.out)
    keep_outputs = on_disk(args.out)
    outputs = []
    runs = {pages: [] for pages in sizes}
    for run in range(args.runs):
        for pages in sizes:
            out = os.path.join(args.out, f"scale-{pages}-{os.getpid()}-{run}")
            shutil.rmtree(os.path.join(corpora[pages], ".deskbook-cache"), ignore_errors=True)
            warm(corpora[pages])
            runs[pages].append(timed([deskbook, "build", "-q", "-s", corpora[pages], "-o", out]))
            print(pages, "%.2f s %.0f MiB" % runs[pages][-1], flush=True)
            outputs.append(out)
            if not keep_outputs:
                remove_outputs(outputs)
                outputs = []
    remove_outputs(outputs)

    print(f"cold builds, median of {args.runs} taken in turns, {os.cpu_count()} cores")
    print(f"{'pages':>8}{'wall (s)':>10}{'peak (MiB)':>12}")
    results = {pages: median(measured) for pages, measured in runs.items()}
    for pages, (wall, memory) in results.items():
        print(f"{pages:>8}{wall:>10.2f}{memory:>12.0f}")
    small, large = results[args.small], results[args.large]
    print(f"ratio {args.large} / {args.small} pages: wall {large[0] / small[0]:.1f} (pages {args.large / args.small:.0f}), "
          f"peak memory {large[1]:.0f} MiB ({large[1] / 1024:.2f} GiB)")


if __name__ == "__main__":
    main()
