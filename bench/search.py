#!/usr/bin/env python3
"""Search index of the 10,000-page bench corpus: Deskbook's against Pagefind's, side by side.

  bench/search.py [--pages 10000] [--runs 3]

Builds the corpus with Deskbook (which writes its index under search/), runs Pagefind
(`pip install "pagefind[extended]"`) over the same built pages, and prints index build time,
peak memory, total index bytes and the bytes a first query downloads. Pagefind's first-query
bytes are counted from its files: its script, entry, WebAssembly and metadata, one index
chunk and the fragments of five results (what its default UI loads)."""
import argparse, json, os, re, shutil, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, SHARED, WORK, remove_outputs, wait_for_quiet_disk  # noqa: E402


def tree_bytes(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--query", default="貸款")
    parser.add_argument("--runs", type=int, default=3, help="Deskbook builds; the median is reported")
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pagefind[extended]"], check=True)
    subprocess.run([os.path.join(ROOT, "scripts", "build-release")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    deskbook = os.path.join(ROOT, ".build", "release", "deskbook")
    corpus = os.path.join(WORK, f"corpus-{args.pages}")
    if not os.path.isdir(corpus):
        subprocess.run([sys.executable, os.path.join(SHARED, "make-corpus.py"), str(args.pages), corpus], check=True)

    # Cold builds (no build cache, so every page's terms are worked out), the median of
    # `--runs`; --separate-phases: the index builds on its own, so its time is not shared with
    # the pages. The index's whole cost is each page's terms (worked out while pages render in
    # a normal build) and the index made of them. Each build writes a folder of its own, all
    # deleted at the end (compare.py's `wait_for_quiet_disk` says why).
    wait_for_quiet_disk(WORK)
    sites = []
    times = []
    for run in range(args.runs):
        shutil.rmtree(os.path.join(corpus, ".deskbook-cache"), ignore_errors=True)
        site = os.path.join(WORK, f"search-site-{os.getpid()}-{run}")
        sites.append(site)
        verbose = subprocess.run([deskbook, "build", "-v", "--separate-phases", "-s", corpus, "-o", site],
                                 check=True, capture_output=True, text=True).stdout
        times.append(sum(float(re.search(pattern, verbose).group(1))
                         for pattern in [r"index search \(terms\): ([0-9.]+) s", r"index search: ([0-9.]+) s"]))
    deskbook_seconds = sorted(times)[len(times) // 2]
    deskbook_bytes = tree_bytes(os.path.join(site, "search"))
    script = next(os.path.join(site, "assets", f) for f in os.listdir(os.path.join(site, "assets")) if f.startswith("search."))
    first = json.loads(subprocess.run(["node", os.path.join(ROOT, "bench", "search-first-query.js"), script, site, args.query],
                                      check=True, capture_output=True, text=True).stdout)

    pagefind_out = os.path.join(WORK, f"pagefind-{os.getpid()}")
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "pagefind", "--site", site, "--output-path", pagefind_out],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    pagefind_seconds = time.perf_counter() - start
    pagefind_memory = usage.ru_maxrss / 1024
    pagefind_bytes = tree_bytes(pagefind_out)
    def size(pattern, folder=""):
        base = os.path.join(pagefind_out, folder)
        files = [os.path.join(base, f) for f in os.listdir(base) if re.search(pattern, f)]
        return files
    index_chunks = size(r"\.pf_index$", "index")
    fragments = size(r"\.pf_fragment$", "fragment")
    average = lambda files: sum(map(os.path.getsize, files)) / max(len(files), 1)
    pagefind_first = (sum(map(os.path.getsize, size(r"^pagefind\.js$") + size(r"^pagefind-entry\.json$")
                                + size(r"^wasm\.unknown\.pagefind$") + size(r"\.pf_meta$")))
                      + average(index_chunks) + 5 * average(fragments))

    print(f"corpus: {args.pages} pages; query {args.query!r} ({first['results']} results)")
    print(f"{'':30}{'Deskbook':>14}{'Pagefind':>14}{'ratio':>8}")
    print(f"{'index build time (s)':30}{deskbook_seconds:>14.2f}{pagefind_seconds:>14.2f}{deskbook_seconds / pagefind_seconds:>8.3f}")
    print(f"{'total index bytes':30}{deskbook_bytes:>14,}{pagefind_bytes:>14,}{deskbook_bytes / pagefind_bytes:>8.3f}")
    print(f"{'first query bytes':30}{first['bytes']:>14,}{int(pagefind_first):>14,}{first['bytes'] / pagefind_first:>8.3f}")
    print(f"{'Pagefind peak memory (MiB)':30}{'':>14}{pagefind_memory:>14.0f}")
    gz = subprocess.run(f"gzip -9c {script} | wc -c", shell=True, capture_output=True, text=True).stdout.strip()
    print(f"search script: {os.path.getsize(script):,} bytes, {int(gz):,} gzipped")
    remove_outputs(sites + [pagefind_out])


if __name__ == "__main__":
    main()
