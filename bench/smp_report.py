"""The "Many CPUs" section of the fault report (bench/report.py, docs/bench.md).

From a log's program records it takes:

- `bench_scale` records (bench_page_fault1/2/3, user/bench/scale.h): one per
  workload, mode (threads or processes) and task count k, with the faults
  all k tasks took in the measured window. Per workload and mode a table of
  faults per second at k = 1..N for every run, per task, the speed-up over
  the same run at k = 1 and the efficiency (speed-up / k), with a chart of
  the speed-up against the ideal (k) and the goal line (0.9 k). The verdict
  at the largest k: "met" when the speed-up is at least 0.9 k, "not met"
  below, "one task only" for N = 1, "tasks share CPUs" when fewer CPUs than tasks ran them (nothing can
  scale: faultline before SMP scheduling, or --tasks beyond the CPUs), and
  "incomplete" without a k = 1 point;
- `bench` records with `mode` and `tasks` (task 0's own faults timed while
  the others fault): p50 and p99 per k;
- `bench` records with `targets` (bench_tlb_shootdown): p50 and p99 of the
  timed munmap / mprotect per number of target CPUs.

Values are compared exactly (Fractions of integers), as the other goals in
the report.
"""
from fractions import Fraction
import html

GOAL = Fraction(9, 10)          # speed-up at k tasks >= 0.9 k
SCALE_TYPE = "bench_scale"


def esc(x):
    return html.escape(str(x), quote=True)


def scale_series(run):
    """{(workload, class, mode): {tasks: bench_scale record}} of a RunData
    (the first record of each point; later duplicates are ignored)."""
    out = {}
    for r in run.records:
        if r.get("type") != SCALE_TYPE:
            continue
        key = (str(r.get("workload")), str(r.get("class")), str(r.get("mode")))
        out.setdefault(key, {}).setdefault(int(r.get("tasks", 0)), r)
    return out


def speedup(points, k):
    """faults/s at k tasks over faults/s at 1, a Fraction; None without both or with 0 at 1."""
    one, at = points.get(1), points.get(k)
    if not one or not at or not one.get("faults") or not one.get("ns") or not at.get("ns"):
        return None
    return Fraction(at.get("faults", 0) * one["ns"], at["ns"] * one["faults"])


def verdict(points):
    """The goal at the largest k of points: "met", "not met", "one task only", "tasks share CPUs",
    "incomplete"."""
    if not points:
        return "incomplete"
    k = max(points)
    if k == 1:
        return "one task only"
    if points[k].get("cpus_used", k) < k:
        return "tasks share CPUs"
    s = speedup(points, k)
    if s is None:
        return "incomplete"
    return "met" if s >= GOAL * k else "not met"


def per_task_rates(rec):
    """Faults per second of each task of a bench_scale record (floats)."""
    ns = rec.get("ns") or 0
    return [f * 1e9 / ns for f in rec.get("per_task", [])] if ns else []


def fmt_rate(v):
    return "%.0f" % v if v is not None else ""


def fmt_x(f):
    return "%.2f\u00d7" % f if f is not None else ""


def svg_speedup(series, kmax, width=460, height=220):
    """Speed-up against tasks: series = [(label, color, {k: Fraction})]; the
    ideal (speed-up k) dashed, the goal (0.9 k) dotted."""
    kmax = max(kmax, 2)
    top_y = max([float(v) for _l, _c, pts in series for v in pts.values() if v is not None] + [kmax])
    left, bottom, top, right = 40, 30, 10, 14
    plot_w, plot_h = width - left - right, height - bottom - top

    def px(k):
        return left + (k - 1) / (kmax - 1) * plot_w

    def py(v):
        return top + plot_h - float(v) / top_y * plot_h

    out = ['<svg class="chart scale" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" role="img"><title>speed-up</title>' % (width, height, width, height)]
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#ccc"/>' % (left, top, plot_w, plot_h))
    for k in range(1, kmax + 1):
        if kmax <= 16 or k % 2 == 1:
            out.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%d</text>'
                       % (px(k), top + plot_h + 14, k))
    for v in sorted({1, kmax, round(top_y)}):
        out.append('<text x="4" y="%.1f" font-size="10">%g\u00d7</text>' % (py(v) + 3, v))
    out.append('<line class="ideal" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="6,4"/>'
               % (px(1), py(1), px(kmax), py(kmax)))
    out.append('<line class="goal" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="2,3"/>'
               % (px(1), py(GOAL), px(kmax), py(GOAL * kmax)))
    for label, color, pts in series:
        ks = sorted(k for k, v in pts.items() if v is not None)
        if not ks:
            continue
        out.append('<polyline class="series" points="%s" fill="none" stroke="%s" stroke-width="2">'
                   '<title>%s</title></polyline>'
                   % (" ".join("%.1f,%.1f" % (px(k), py(pts[k])) for k in ks), color, esc(label)))
        for k in ks:
            out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %d tasks %.2f\u00d7</title></circle>'
                       % (px(k), py(pts[k]), color, esc(label), k, float(pts[k])))
    out.append('<text x="%d" y="%d" font-size="10">tasks (each on its own CPU); speed-up over 1 task; '
               'dashed: ideal, dotted: 0.9\u00d7</text>' % (left, height - 3))
    out.append("</svg>")
    return "".join(out)


def throughput_table(runs, key):
    """Rows per run and k for one (workload, class, mode)."""
    head = ["run", "tasks", "CPUs used", "faults/s", "per task: mean", "per task: min..max", "speed-up",
            "efficiency", "elapsed cycles / fault", "minflt / writes"]
    rows = ["<table><tr>%s</tr>" % "".join('<th%s>%s</th>' % (' class="l"' if i == 0 else "", esc(h))
                                            for i, h in enumerate(head))]
    for run in runs:
        points = scale_series(run).get(key, {})
        for k in sorted(points):
            rec = points[k]
            rates = per_task_rates(rec)
            s = speedup(points, k)
            faults = rec.get("faults") or 0
            writes, minflt = rec.get("writes_run"), rec.get("minflt_run")
            rows.append("<tr><td class=\"l\">%s</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                        "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                            esc(run.name), k, esc(rec.get("cpus_used", "")),
                            fmt_rate(faults * 1e9 / rec["ns"] if rec.get("ns") else None),
                            fmt_rate(sum(rates) / len(rates) if rates else None),
                            "%s..%s" % (fmt_rate(min(rates)), fmt_rate(max(rates))) if rates else "",
                            fmt_x(s), fmt_x(s / k if s is not None else None),
                            "%d" % (rec["cycles"] // faults) if faults and rec.get("cycles") else "",
                            "%s / %s" % (esc(minflt), esc(writes)) if writes is not None else ""))
    rows.append("</table>")
    return "".join(rows)


def latency_table(runs, workload, cls, mode):
    """Task 0's fault latency p50 / p99 per k, a column per run."""
    cells = {}
    for run in runs:
        for p in run.points:
            r = p.rec
            if (str(r.get("workload")), str(r.get("class")), str(r.get("mode"))) == (workload, cls, mode) \
                    and "tasks" in r:
                cells.setdefault((run.name, int(r["tasks"])), r)
    if not cells:
        return ""
    ks = sorted({k for _n, k in cells})
    out = ['<table><tr><th class="l">task 0\'s faults: p50 / p99 (cycles)</th>%s</tr>'
           % "".join("<th>%d task%s</th>" % (k, "" if k == 1 else "s") for k in ks)]
    for run in runs:
        out.append('<tr><td class="l">%s</td>%s</tr>' % (esc(run.name), "".join(
            "<td>%s</td>" % ("%s / %s" % (cells[(run.name, k)].get("p50"), cells[(run.name, k)].get("p99"))
                             if (run.name, k) in cells else "") for k in ks)))
    out.append("</table>")
    return "".join(out)


def shootdown_table(runs):
    """bench_tlb_shootdown: p50 / p99 per class and number of target CPUs, a row per run and class."""
    cells = {}
    for run in runs:
        for p in run.points:
            r = p.rec
            if "targets" in r:
                cells.setdefault((run.name, str(r.get("class"))), {}).setdefault(int(r["targets"]), r)
    if not cells:
        return ""
    ts = sorted({t for v in cells.values() for t in v})
    out = ["<h3>TLB shootdown: the timed call, p50 / p99 (cycles), by target CPUs</h3>"
           '<table><tr><th class="l">run</th><th class="l">call</th>%s</tr>'
           % "".join("<th>%d target%s</th>" % (t, "" if t == 1 else "s") for t in ts)]
    for (name, cls), by_t in sorted(cells.items(), key=lambda i: ([r.name for r in runs].index(i[0][0]), i[0][1])):
        out.append('<tr><td class="l">%s</td><td class="l">%s</td>%s</tr>' % (esc(name), esc(cls), "".join(
            '<td title="CPUs used %s">%s%s</td>' % (
                esc(by_t[t].get("cpus_used", "")), "%s / %s" % (by_t[t].get("p50"), by_t[t].get("p99")),
                "" if by_t[t].get("cpus_used", t + 1) >= t + 1 else '<span class="ns">shared CPUs</span>')
            if t in by_t else "<td></td>" for t in ts)))
    out.append("</table>")
    return "".join(out)


def verdict_cell(v):
    return '<td class="l %s">%s</td>' % ({"met": "met", "not met": "notmet"}.get(v, "problem"), esc(v))


def section(runs, colors):
    """The Many CPUs section for runs (RunData list), '' when no run has bench_scale or shootdown records."""
    keys = sorted({k for r in runs for k in scale_series(r)})
    shoot = shootdown_table(runs)
    if not keys and not shoot:
        return ""
    out = ['<h2 id="smp">Many CPUs</h2>',
           '<p class="note">Fault throughput with 1..N tasks, each pinned to its own CPU (will-it-scale\'s '
           "page_fault1/2/3): faults per second in the measured window, per task, and the speed-up over the "
           "same run with one task; the goal is a speed-up of at least 0.9 \u00d7 N at N CPUs on hardware "
           "(docs/bench.md, \"Many CPUs\"). Elapsed cycles / fault is the window's TSC cycles over all "
           "tasks' faults: under -icount, where QEMU runs the CPUs one after another, the instructions "
           "of all CPUs per fault.</p>"]
    summary = ['<table><tr><th class="l">run</th><th class="l">workload</th><th class="l">mode</th>'
               '<th>tasks</th><th>speed-up</th><th>goal</th><th class="l">verdict</th></tr>']
    for key in keys:
        for run in runs:
            points = scale_series(run).get(key)
            if not points:
                continue
            k = max(points)
            summary.append('<tr><td class="l">%s</td><td class="l">%s</td><td class="l">%s</td><td>%d</td>'
                           "<td>%s</td><td>\u2265 %s</td>%s</tr>" % (
                               esc(run.name), esc("%s / %s" % key[:2]), esc(key[2]), k, fmt_x(speedup(points, k)),
                               fmt_x(GOAL * k), verdict_cell(verdict(points))))
    summary.append("</table>")
    if keys:
        out.append("".join(summary))
    for key in keys:
        workload, cls, mode = key
        out.append('<h3 id="smp-%s-%s">%s / %s, %s mode</h3>' % (esc(workload), esc(mode), esc(workload), esc(cls),
                                                                esc(mode)))
        out.append(throughput_table(runs, key))
        series, kmax = [], 1
        for i, run in enumerate(runs):
            points = scale_series(run).get(key)
            if points:
                kmax = max(kmax, max(points))
                series.append((run.name, colors[i % len(colors)], {k: speedup(points, k) for k in points}))
        out.append('<div class="charts">%s</div>' % svg_speedup(series, kmax))
        out.append(latency_table(runs, workload, cls, mode))
    out.append(shoot)
    return "".join(out)


def text_lines(run):
    """The section of one run as console lines: faults/s per k and the verdict."""
    lines = []
    for key, points in sorted(scale_series(run).items()):
        k = max(points)
        lines.append("%s %s/%s %s: faults/s by tasks %s; speed-up at %d %s (goal %s): %s" % (
            run.name, key[0], key[1], key[2],
            ", ".join("%d: %d" % (n, points[n].get("faults_per_sec", 0)) for n in sorted(points)),
            k, fmt_x(speedup(points, k)) or "n/a", fmt_x(GOAL * k), verdict(points)))
    return lines
