"""How much memory and CPU each learner needs on a hub, from measurements.

The inputs are measured, never typed: ``hosting/sizing.json`` holds each lab's
peak kernel memory in the class environment (``make hub``, which runs every lab in
``.venv-hub`` as the class image installs it: not ``make bench``'s development
environment, whose pyarrow adds about 45 MB to every kernel), the memory of a
learner's Jupyter server and of the hub with its proxy (the live hub of ``make
hub``), and the slowest cell of any lab (``make bench``). ``update`` copies them from
the latest ``_build/bench.json``, ``_build/hub-labs.json`` and ``_build/hub.json``;
``write`` puts the rule and the class table into
``book/hosting.md`` between its markers. tests/test_sizing.py fails when the page
or ``hosting/z2jh/config.yaml`` disagrees with :func:`plan`.

The rule (each constant below says why):

- memory guarantee = (server + the largest lab's kernel) x HEADROOM;
- memory limit = (server + OPEN_KERNELS x the largest lab's kernel) x HEADROOM;
- CPU guarantee = the slowest cell's time / WAIT_SECONDS, so that when the whole
  class runs that cell at the same moment nobody waits longer than WAIT_SECONDS;
- CPU limit = 1 core: the labs limit their numerical libraries to one thread.

Usage::

    python -m tools.sizing update   # hosting/sizing.json from make bench's and make hub's results
    python -m tools.sizing write    # the rule and the table into book/hosting.md
    python -m tools.sizing          # print the plan
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASURED = ROOT / "hosting" / "sizing.json"
PAGE = ROOT / "book" / "hosting.md"
BENCH = ROOT / "_build" / "bench.json"
HUB = ROOT / "_build" / "hub.json"
HUB_LABS = ROOT / "_build" / "hub-labs.json"
START, END = "<!-- sizing:start (python -m tools.sizing write) -->", "<!-- sizing:end -->"

#: A quarter above what was measured: other data, another platform's allocator
#: and a learner's own extra cells all add memory; the kernel is killed at the limit.
HEADROOM = 1.25
#: JupyterLab keeps a notebook's kernel running when the learner opens the next lab,
#: so the limit allows the previous lab's kernel beside the current one.
OPEN_KERNELS = 2
#: The longest a learner should wait for the slowest cell when the whole room runs it at once.
WAIT_SECONDS = 30
#: Memory is set in multiples of this (MiB); Kubernetes and KubeSpawner take "640M" as MiB.
STEP_MB = 128
CPU_STEP = 0.05
CPU_LIMIT = 1.0
CLASS_SIZES = (10, 30, 100)
#: An example node; its reserve for the operating system and Kubernetes is an estimate.
NODE_CPUS, NODE_GB, NODE_RESERVE_GB, NODE_RESERVE_CPUS = 8, 32, 2, 0.5


def load(path: Path = MEASURED) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _up(value: float, step: float) -> float:
    return round(math.ceil(round(value / step, 6)) * step, 2)


def plan(measured: dict) -> dict:
    """Guarantees and limits for one learner, from ``measured``.

    >>> p = plan({"server_mb": 136, "lab_kernel_mb": {"a": 300, "b": 362},
    ...           "slowest_cell_seconds": 7.35, "hub_mb": 176})
    >>> p["memory_guarantee_mb"], p["memory_limit_mb"], p["cpu_guarantee"], p["cpu_limit"]
    (640, 1152, 0.25, 1.0)
    """
    server = measured["server_mb"]
    kernel = max(measured["lab_kernel_mb"].values())
    return {
        "server_mb": server,
        "kernel_mb": kernel,
        "kernel_lab": max(measured["lab_kernel_mb"], key=measured["lab_kernel_mb"].get),
        "memory_guarantee_raw": (server + kernel) * HEADROOM,
        "memory_limit_raw": (server + OPEN_KERNELS * kernel) * HEADROOM,
        "memory_guarantee_mb": int(_up((server + kernel) * HEADROOM, STEP_MB)),
        "memory_limit_mb": int(_up((server + OPEN_KERNELS * kernel) * HEADROOM, STEP_MB)),
        "cpu_guarantee_raw": measured["slowest_cell_seconds"] / WAIT_SECONDS,
        "cpu_guarantee": _up(measured["slowest_cell_seconds"] / WAIT_SECONDS, CPU_STEP),
        "cpu_limit": CPU_LIMIT,
        "hub_mb": measured["hub_mb"],
    }


def class_rows(measured: dict) -> list[dict]:
    """Totals for each class size, and how many example nodes it takes."""
    p = plan(measured)
    per_node_memory = int((NODE_GB - NODE_RESERVE_GB) * 1024 // p["memory_guarantee_mb"])
    per_node_cpu = int((NODE_CPUS - NODE_RESERVE_CPUS) // p["cpu_guarantee"])
    per_node = min(per_node_memory, per_node_cpu)
    rows = []
    for n in CLASS_SIZES:
        rows.append({
            "learners": n,
            "guaranteed_gb": (n * p["memory_guarantee_mb"] + p["hub_mb"]) / 1024,
            "all_at_limit_gb": (n * p["memory_limit_mb"] + p["hub_mb"]) / 1024,
            "cpus": n * p["cpu_guarantee"],
            "nodes": math.ceil(n / per_node),
            "per_node": per_node,
        })
    return rows


def markdown(measured: dict) -> str:
    """The rule with its numbers, and the class table, for book/hosting.md."""
    p = plan(measured)
    slow = measured["slowest_cell_seconds"]
    live = measured["hub_test"]
    lines = [
        f"In the live test (`make hub`), {live['learners']} learners followed the class link "
        f"at the same moment on a {live['cores']}-core machine: every server was ready within "
        f"{live['ready_seconds_max']:.0f} s, every learner had the notebooks within "
        f"{live['notebooks_seconds_max']:.0f} s and had run Lab 1 to its first exercise within "
        f"{live['first_exercise_seconds_max']:.0f} s, and no learner's server and kernel together "
        f"held more than {live['peak_mb_max']} MiB.",
        "",
        f"Measured on {measured['measured']} ({measured['machine']}): a learner's Jupyter "
        f"server peaks at **{p['server_mb']:.0f} MiB** of resident memory, the largest "
        f"lab's kernel ({p['kernel_lab']}) at **{p['kernel_mb']:.0f} MiB**, the hub with its "
        f"proxy at **{p['hub_mb']:.0f} MiB**, and the slowest cell of any lab "
        f"({measured['slowest_cell']}) takes **{slow:.2f} s** on one core.",
        "",
        "| per learner | rule | value |",
        "| --- | --- | --- |",
        f"| memory guarantee | (server + largest kernel) x {HEADROOM} = "
        f"({p['server_mb']:.0f} + {p['kernel_mb']:.0f}) x {HEADROOM} = "
        f"{p['memory_guarantee_raw']:.0f} MiB, rounded up to {STEP_MB} MiB | "
        f"**{p['memory_guarantee_mb']}M** |",
        f"| memory limit | (server + {OPEN_KERNELS} kernels) x {HEADROOM} = "
        f"({p['server_mb']:.0f} + {OPEN_KERNELS} x {p['kernel_mb']:.0f}) x {HEADROOM} = "
        f"{p['memory_limit_raw']:.0f} MiB, rounded up | **{p['memory_limit_mb']}M** |",
        f"| CPU guarantee | slowest cell / {WAIT_SECONDS} s wait = {slow:.2f} / {WAIT_SECONDS} = "
        f"{p['cpu_guarantee_raw']:.3f}, rounded up to {CPU_STEP} | **{p['cpu_guarantee']:g}** |",
        f"| CPU limit | the labs use one thread | **{p['cpu_limit']:g}** |",
        "",
        f"| learners at once | memory guaranteed | memory if all reach the limit "
        f"| CPU guaranteed | nodes of {NODE_CPUS} CPUs, {NODE_GB} GiB |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in class_rows(measured):
        lines.append(f"| {row['learners']} | {row['guaranteed_gb']:.1f} GiB "
                     f"| {row['all_at_limit_gb']:.1f} GiB | {row['cpus']:g} "
                     f"| {row['nodes']} ({row['per_node']} learners per node) |")
    return "\n".join(lines)


def page_block(text: str) -> str | None:
    match = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    return match.group(1) if match else None


def write(page: Path = PAGE, measured_path: Path = MEASURED) -> bool:
    """Put the rule and table into ``page``; return whether it changed."""
    text = page.read_text(encoding="utf-8")
    if page_block(text) is None:
        raise SystemExit(f"sizing: {page} has no {START} ... {END} markers")
    new = re.sub(re.escape(START) + r"\n.*?\n" + re.escape(END),
                 lambda _: f"{START}\n{markdown(load(measured_path))}\n{END}", text, flags=re.S)
    if new != text:
        tmp = page.with_name(page.name + ".tmp")
        tmp.write_text(new, encoding="utf-8")
        os.replace(tmp, page)
    return new != text


def update(bench: Path = BENCH, hub: Path = HUB, out: Path = MEASURED,
           hub_labs: Path = HUB_LABS) -> dict:
    """hosting/sizing.json from the latest ``make bench`` and ``make hub`` results."""
    missing = [str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
               for p in (bench, hub, hub_labs) if not p.exists()]
    if missing:
        raise SystemExit(f"sizing: {' and '.join(missing)} missing; run make bench and make hub")
    b, h = json.loads(bench.read_text()), json.loads(hub.read_text())
    labs = json.loads(hub_labs.read_text())
    kernels = {lab: run["peak_rss_mb"] for lab, run in labs["labs"].items()}
    if None in kernels.values() or set(kernels) != {lab["lab"] for lab in b["labs"]}:
        raise SystemExit(f"sizing: {hub_labs} has no peak memory for every lab of "
                         f"{bench}; run make hub again on Linux or macOS")
    slowest = max((cell["seconds"], f"{lab['lab']} cell {cell['cell']}")
                   for lab in b["labs"] for cell in lab["slowest_cells"])
    measured = {
        "measured": date.today().isoformat(),
        "machine": f"{b['machine']['cpus']} cores, {platform.machine()}, "
                   f"Python {b['machine']['python']}",
        "sources": {
            "lab_kernel_mb": f"make hub: each lab's peak kernel RSS in the class "
                             f"environment ({labs['environment']}), a fresh process",
            "slowest_cell_seconds": "make bench: the slowest cell of any lab",
            "server_mb": f"make hub: the largest learner's server RSS, {h['learners']} "
                         f"learners at once on JupyterHub {h['jupyterhub']}",
            "hub_mb": "make hub: the hub and its proxy",
        },
        "lab_kernel_mb": kernels,
        "slowest_cell_seconds": slowest[0],
        "slowest_cell": slowest[1],
        "server_mb": max(r["server_mb"] for r in h["per_learner"]),
        "hub_mb": h["hub_mb"],
        "hub_test": {"learners": h["learners"],
                     "cores": h.get("cores"),
                     "ready_seconds_max": max(r["ready_seconds"] for r in h["per_learner"]),
                     "notebooks_seconds_max": max(r["notebooks_seconds"] for r in h["per_learner"]),
                     "first_exercise_seconds_max": max(r["first_exercise_seconds"]
                                                       for r in h["per_learner"]),
                     "peak_mb_max": max(r["peak_mb"] for r in h["per_learner"])},
    }
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(measured, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return measured


def main(argv: list[str]) -> int:
    if argv == ["update"]:
        update()
        print(f"sizing: wrote {MEASURED.relative_to(ROOT)}")
        return 0
    if argv == ["write"]:
        changed = write()
        print(f"sizing: {PAGE.relative_to(ROOT)} {'updated' if changed else 'already current'}")
        return 0
    if argv:
        print(__doc__.split("Usage::")[1], file=sys.stderr)
        return 2
    print(markdown(load()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
