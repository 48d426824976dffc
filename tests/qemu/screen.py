"""Integration test of what the screen shows (kernel/bench_screen.c,
lib/progress.c, kernel/qr_summary.c): boot with the conformance matrix and a
benchmark program, let the machine halt on its last screen, take a QEMU
screendump, and check that the histograms drawn in pixels are the ones the
program's bench records give -- bar by bar, heights in the records' order
and proportion -- that the progress bar ended full, that serial carries the
progress records (rate-limited) and the text copy of the summary, and that
the QR code zbarimg reads off the screen says what the records say.
"""
import re

import qemu_run
import qr_screen
from integration import case, base_config

CHART_BAR_RGB = 0x4a90d9       # lib/hist_chart.h HIST_CHART_BAR_RGB
PROGRESS_BAR_RGB = 0x2e8b57    # lib/progress.c PROGRESS_BAR_RGB
PROGRESS_TRACK_RGB = 0x303030
BENCH = "bench_read_then_write"
BENCH_ARGS = "--mib 1 --reps 2"


def scale(v, top, height):
    """lib/hist_chart.c hist_chart_scale: v of top in height pixels, at least 1 when v > 0."""
    if v == 0 or top == 0:
        return 0
    if v >= top:
        return height
    return max(1, v * height // top)


def find_bars(screen):
    """Every bar of the chart colour: maximal runs of columns with the same
    vertical extent, as (x, width, top, bottom) with bottom exclusive."""
    spans = {}                                  # x -> [(top, bottom), ...]
    for x in range(screen.width):
        y = 0
        while y < screen.height:
            if screen.pixel(x, y) == CHART_BAR_RGB:
                top = y
                while y < screen.height and screen.pixel(x, y) == CHART_BAR_RGB:
                    y += 1
                spans.setdefault(x, []).append((top, y))
            y += 1
    bars, open_bars = [], {}                    # (top, bottom) -> [x, width] of the bar still growing
    for x in range(screen.width):
        here = set(spans.get(x, []))
        for extent in list(open_bars):
            if extent not in here:
                start, width = open_bars.pop(extent)
                bars.append((start, width) + extent)
        for extent in here:
            if extent in open_bars:
                open_bars[extent][1] += 1
            else:
                open_bars[extent] = [x, 1]
    bars += [(start, width) + extent for extent, (start, width) in open_bars.items()]
    return bars


def find_charts(bars):
    """Bars grouped by their common bottom (one chart's axis), top to bottom,
    each chart's bars left to right as heights."""
    by_bottom = {}
    for x, _w, top, bottom in bars:
        by_bottom.setdefault(bottom, []).append((x, bottom - top))
    return [[h for _x, h in sorted(by_bottom[b])] for b in sorted(by_bottom)]


def check_chart(heights, hist, what, problems):
    """The bars left to right must be the non-empty buckets, scaled to the tallest."""
    counts = [c for c in hist if c]
    if not heights or len(heights) != len(counts):
        problems.append("%s: %d bars drawn, the record has %d non-empty buckets (%s)"
                        % (what, len(heights), len(counts), hist))
        return
    tallest = max(heights)
    want = [scale(c, max(counts), tallest) for c in counts]
    if heights != want or heights.index(tallest) != counts.index(max(counts)):
        problems.append("%s: bar heights %s, want %s for counts %s" % (what, heights, want, counts))


def check_progress_records(run, problems):
    for what in ("matrix", "programs"):
        recs = [r for r in run.of_type("progress") if r.get("what") == what]
        if not recs:
            problems.append("no progress records for %s" % what)
            continue
        pct = [r.get("percent") for r in recs]
        if pct[0] != 0 or pct[-1] != 100 or recs[-1].get("done") != recs[-1].get("total"):
            problems.append("%s progress records go %s .. %s (done %s of %s)"
                            % (what, pct[0], pct[-1], recs[-1].get("done"), recs[-1].get("total")))
        for a, b in zip(recs, recs[1:]):
            step = b["percent"] - a["percent"]
            slow = b.get("ms", 0) - a.get("ms", 0) >= 5000
            if step < 0 or (step < 5 and b["percent"] != 100 and not slow and a is not recs[0]):
                problems.append("%s progress record %s%% followed %s%% after %s ms: not rate-limited"
                                % (what, b["percent"], a["percent"], b.get("ms", 0) - a.get("ms", 0)))
        if what == "matrix" and len(recs) > 2 + 100 // 5 + 30:
            problems.append("%d matrix progress records" % len(recs))
        if what == "programs" and not any(r.get("item") == BENCH for r in recs):
            problems.append("no programs progress record names %s" % BENCH)


def check_serial_summary(run, benches, problems):
    """The text copy: a '#' line per bucket after each heading, a summary row per record."""
    log = run.log
    if "benchmark summary" not in log:
        problems.append("no benchmark summary on serial")
    for b in benches:
        heading = "bench %s / %s: %d faults, p50 %d cycles" % (b["workload"], b["class"], b["count"], b["p50"])
        if heading not in log:
            problems.append("no heading %r on serial" % heading)
        for bucket, count in enumerate(b["hist_log2"]):
            if count and not re.search(r"^ +2\^%-2d +%d \|#+\r?$" % (bucket, count), log, re.M):
                problems.append("%s/%s: no serial bar for bucket 2^%d (%d)" % (b["workload"], b["class"], bucket, count))
        row = r"^%s +%s +%d +%d +\d+ +%d +\d+  \|[ .:\-=+*#%%@]+\|\r?$" % (
            re.escape(b["workload"]), re.escape(b["class"]), b["count"], b["p50"], b["p99"])
        if not re.search(row, log, re.M):
            problems.append("no summary row for %s/%s on serial" % (b["workload"], b["class"]))


def check_progress_bar_full(screen, problems):
    """The bottom text row ends the run showing the last bar complete: a long
    run of the bar colour and no empty track left."""
    longest, track = 0, 0
    for y in range(screen.height - 16, screen.height):
        row = screen.row(y)
        run_len = 0
        for p in row:
            run_len = run_len + 1 if p == PROGRESS_BAR_RGB else 0
            longest = max(longest, run_len)
        track += row.count(PROGRESS_TRACK_RGB)
    if longest < screen.width // 2 or track:
        problems.append("progress bar at the bottom: longest run %d px of %d, %d px of empty track"
                        % (longest, screen.width, track))


@case
def screen_bench_charts_and_progress():
    problems = []
    run = qemu_run.boot(base_config("checks = default", "run = %s %s" % (BENCH, BENCH_ARGS)), screendump=True)
    if run.timed_out or run.screen is None:
        return ["no screendump (timed out %s after %.0f s)" % (run.timed_out, run.seconds)]
    summary = run.first("summary")
    if not summary or summary.get("failed") != 0 or run.of_type("panic"):
        problems.append("run did not pass: %s %s" % (summary, run.first("panic")))
    benches = [r for r in run.program_records("bench") if r.get("workload") == "read_then_write"]
    if [b.get("class") for b in benches] != ["read-zero", "cow-zero"] or not all(b.get("count") for b in benches):
        return problems + ["bench records: %s" % benches]

    check_progress_records(run, problems)
    check_serial_summary(run, benches, problems)
    charts = find_charts(find_bars(run.screen))
    full = [c for c in charts if max(c) > 16]     # a program's chart: 4 text rows of bars
    mini = [c for c in charts if max(c) <= 16]    # a summary row: one text row
    if len(full) != 2 or len(mini) != 2:
        problems.append("%d full and %d summary charts on screen, want 2 and 2: %s" % (len(full), len(mini), charts))
    for chart, b in zip(full, benches):
        check_chart(chart, b["hist_log2"], "chart of %s" % b["class"], problems)
    for chart, b in zip(mini, benches):
        check_chart(chart, b["hist_log2"], "summary chart of %s" % b["class"], problems)
    check_progress_bar_full(run.screen, problems)
    qr_screen.check(run, problems)
    return problems
