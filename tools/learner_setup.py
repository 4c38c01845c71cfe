"""The learners' set-up steps: one source, copied into README.md, and a check
that they work on a clean machine.

``book/_setup_steps.md`` is the one source of the words. The book's set-up page
includes it (MyST ``{include}``), ``tools/notebooks.py`` puts it into Lab 0 and
into the learner kit's README, and ``readme`` copies it into README.md between
two markers; tests/test_learner_setup.py fails when any copy drifts.

The check (the default command) does what a learner does, on this machine:

1. builds the learner kit (``tools.notebooks.student``) and unzips its zip into
   an empty temporary folder, as a learner without git would;
2. runs the set-up page's macOS and Linux command blocks there **verbatim**, in
   one bash session, with ``python3`` from the PATH (never this repository's
   ``.venv``: virtual environments, PYTHONPATH and Jupyter's user folders are
   removed from the environment), so a fresh ``.venv`` is made and only
   ``requirements-labs.txt`` is installed into it (pip may use the machine's
   index and cache); ``jupyter lab labs`` must serve the labs folder, which is
   asked over HTTP on this machine, and is then stopped;
3. runs the learner edition's environment check (Lab 0 up to its first check)
   and then every lab's full edition (with its solutions: the learner edition's
   ``...`` would fail its checks) in that environment with ``jupyter
   nbconvert --execute`` and ``LABKIT_STRICT=1``; a cell that fails or writes
   to stderr fails the check;
4. (before step 3) checks the set-up page's "about N GB of free disk space"
   against the kit, its ``.venv`` and the wheels pip downloads (:func:`disk_problem`).

It prints the Python used, the time of each command, the environment's size
and each lab's run time. Exit status 0 when all passed, 1 when a step failed
(with a message naming it), 2 for bad arguments.

Usage::

    python -m tools.learner_setup [--python PYTHON] [--keep] [--report FILE]
    python -m tools.learner_setup readme     # copy the steps into README.md
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ROOT / "book" / "_setup_steps.md"
README = ROOT / "README.md"
README_BEGIN = ("<!-- The set-up steps below are copied from book/_setup_steps.md: edit that "
                "file, then run `python -m tools.learner_setup readme`. -->")
README_END = "<!-- End of the set-up steps copied from book/_setup_steps.md. -->"
#: The learner edition's Lab 0 runs up to and including the first cell that has this.
ENVIRONMENT_CHECK = "lab0.environment()"
ENVIRONMENT_PASSED = "✔ Exercise 0.0 - correct"
MARK = "@@learner-setup step"
INSTALL_TIMEOUT = 45 * 60  # seconds for the commands before `jupyter lab`
SERVE_TIMEOUT = 180  # seconds for JupyterLab to say where it listens
CELL_TIMEOUT = 600  # seconds for one notebook cell
JUPYTER_URL = re.compile(r"http://(127\.0\.0\.1|localhost):(\d+)/lab\?token=(\w+)")
#: Environment variables that would let the clean environment see this repository's
#: packages or Jupyter set-up instead of its own.
LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE",
         "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH",
         "LABKIT_DATA_DIR", "MPLBACKEND")


class SetupFailed(Exception):
    """A step of the learner set-up did not work; the message says which."""


# ------------------------------------------------------------------ the one source


def steps_text(path: Path = STEPS) -> str:
    """The set-up steps, as every copy must carry them."""
    return path.read_text(encoding="utf-8").strip() + "\n"


_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                    re.M | re.S)


def command_blocks(text: str, language: str = "bash") -> list[str]:
    """The fenced code blocks of ``text`` whose info string is ``language``.

    >>> command_blocks("Run:\\n\\n```bash\\necho hi\\n```\\n\\n```bat\\necho win\\n```\\n")
    ['echo hi\\n']
    """
    return [textwrap.dedent(m.group("body")) for m in _FENCE.finditer(text)
            if m.group("info").strip() == language]


def commands(block: str) -> list[str]:
    r"""The commands of a shell block, one per logical line (``\`` continues a line).

    >>> commands("python3 -m venv .venv\n\n# a comment\npip install \\\n  x\n")
    ['python3 -m venv .venv', 'pip install \\\n  x']
    """
    found: list[str] = []
    current: list[str] = []
    for line in block.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current.append(line)
        if not line.endswith("\\"):
            found.append("\n".join(current))
            current = []
    if current:
        found.append("\n".join(current))
    return found


def step_script(blocks: list[str]) -> str:
    """A bash script that runs every command of ``blocks`` verbatim, in order, in one
    session, stopping at the first that fails, and announces each before it runs."""
    lines = ["set -e"]
    number = 0
    for block in blocks:
        for command in commands(block):
            number += 1
            lines.append(f"printf '%s\\n' {shlex.quote(f'{MARK} {number}: {command}')}")
            lines.append(command)
    return "\n".join(lines) + "\n"


def readme_steps(readme: str) -> str | None:
    """The set-up steps as README.md carries them (between the markers), or None."""
    if README_BEGIN not in readme or README_END not in readme:
        return None
    inner = readme.split(README_BEGIN, 1)[1].split(README_END, 1)[0]
    return inner.strip() + "\n"


def with_readme_steps(readme: str, steps: str) -> str:
    """``readme`` with the text between the markers replaced by ``steps``."""
    if readme_steps(readme) is None:
        raise ValueError(f"README.md: the markers {README_BEGIN!r} and {README_END!r} "
                         "are missing")
    head, rest = readme.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    return f"{head}{README_BEGIN}\n\n{steps.strip()}\n\n{README_END}{tail}"


def write_readme(readme: Path = README, steps: Path = STEPS) -> bool:
    """Copy the steps into README.md; True if it changed."""
    old = readme.read_text(encoding="utf-8")
    new = with_readme_steps(old, steps_text(steps))
    if new != old:
        tmp = readme.with_name(readme.name + ".tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(readme)
    return new != old


# ------------------------------------------------------------------ a clean machine


def _is_venv_bin(directory: str) -> bool:
    return bool(directory) and (Path(directory).parent / "pyvenv.cfg").is_file()


def clean_env(base: dict[str, str], home: Path, python: Path | None = None) -> dict[str, str]:
    """``base`` without anything that reaches this repository's environment.

    Virtual environments' ``bin`` folders leave the PATH, the variables in
    ``LEAKY`` go, and Jupyter, IPython and matplotlib get empty folders of their
    own under ``home`` (a learner's first run has none). ``BROWSER=true`` makes
    JupyterLab's "open a browser" a no-op. Run as root (CI containers), the
    Jupyter configuration allows root, which a learner's account never is. With
    ``python``, a ``python3`` that runs it comes first on the PATH.
    """
    env = {k: v for k, v in base.items() if k not in LEAKY}
    path = [d for d in base.get("PATH", "").split(os.pathsep) if not _is_venv_bin(d)]
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                 "MPLCONFIGDIR"):
        folder = home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        config = {"ServerApp": {"allow_root": True}}
        (home / "jupyter_config_dir" / "jupyter_server_config.json").write_text(
            json.dumps(config), encoding="utf-8")
    if python is not None:
        shim = home / "bin"
        shim.mkdir(parents=True, exist_ok=True)
        wrapper = shim / "python3"
        wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(str(python))} "$@"\n')
        wrapper.chmod(0o755)
        path.insert(0, str(shim))
    env["PATH"] = os.pathsep.join(path)
    env["BROWSER"] = "true"
    return env


def activated(env: dict[str, str], venv: Path) -> dict[str, str]:
    """``env`` as ``source .venv/bin/activate`` leaves it."""
    out = dict(env, VIRTUAL_ENV=str(venv))
    out["PATH"] = str(venv / "bin") + os.pathsep + env["PATH"]
    return out


def _reader(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put((time.monotonic(), line))
    lines.put((time.monotonic(), None))


def _stop(proc: subprocess.Popen) -> None:
    """Stop the session started for the steps (bash and the JupyterLab it runs)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def _ask_jupyter(host: str, port: str, token: str, api: str) -> dict:
    """GET one of JupyterLab's API endpoints on this machine (never through a proxy),
    at the address it printed, trying for a few seconds while it starts to listen."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"http://{host}:{port}/api/{api}",
                                     headers={"Authorization": f"token {token}"})
    for attempt in range(20):
        try:
            with opener.open(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionRefusedError) or attempt == 19:
                raise
            time.sleep(0.5)
    return {}


def run_steps(kit: Path, env: dict[str, str], log: Path) -> tuple[list[dict], dict]:
    """Run the page's bash blocks verbatim in ``kit``; return each command's time and
    what the running JupyterLab served."""
    blocks = command_blocks(steps_text())
    if not blocks:
        raise SetupFailed(f"{STEPS.relative_to(ROOT)} has no ```bash block to run")
    last = commands(blocks[-1])[-1]
    if not last.startswith("jupyter lab"):
        raise SetupFailed(f"the last bash command of {STEPS.relative_to(ROOT)} should start "
                          f"JupyterLab (jupyter lab ...), not: {last}")
    script = kit.parent / "setup-steps.sh"
    script.write_text(step_script(blocks), encoding="utf-8")
    steps: list[dict] = []
    served: dict = {}
    lines: queue.Queue = queue.Queue()
    start = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(["bash", str(script)], cwd=kit, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
        try:
            deadline = start + INSTALL_TIMEOUT
            while True:
                try:
                    stamp, line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                except queue.Empty:
                    now = steps[-1]["command"] if steps else "the first command"
                    raise SetupFailed(f"timed out after {time.monotonic() - start:.0f} s "
                                      f"during: {now}") from None
                if line is None:
                    proc.wait()
                    now = steps[-1]["command"] if steps else "the first command"
                    raise SetupFailed(f"the command `{now}` failed (exit status "
                                      f"{proc.returncode}) or JupyterLab stopped before "
                                      "it served the labs")
                out.write(line)
                out.flush()
                if line.startswith(MARK):
                    if steps:
                        steps[-1]["seconds"] = round(stamp - steps[-1]["started"], 1)
                    command = line.split(": ", 1)[1].rstrip("\n")
                    steps.append({"command": command, "started": stamp})
                    if command == last:
                        deadline = stamp + SERVE_TIMEOUT
                    continue
                match = JUPYTER_URL.search(line)
                if match and steps and steps[-1]["command"] == last:
                    host, port, token = match.groups()
                    steps[-1]["seconds"] = round(stamp - steps[-1]["started"], 1)
                    contents = _ask_jupyter(host, port, token, "contents")
                    kernels = _ask_jupyter(host, port, token, "kernelspecs")
                    served = {"files": sorted(item["name"] for item in contents["content"]),
                              "kernels": sorted(kernels["kernelspecs"])}
                    break
        finally:
            _stop(proc)
    for step in steps:
        step.pop("started")
    return steps, served


#: Appended to the learner's Lab 0 check: where the kernel's Python and labkit live.
WHERE = "import sys, labkit\nprint('kernel:', sys.prefix)\nprint('labkit:', labkit.__file__)"


def _truncated_lab0(notebook: Path, out: Path) -> Path:
    """A copy of ``notebook`` that ends with its environment check cell, then a cell
    that prints where the kernel's Python and labkit live."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and ENVIRONMENT_CHECK in "".join(cell["source"]):
            nb["cells"] = nb["cells"][: index + 1]
            break
    else:
        raise SetupFailed(f"{notebook.name} has no cell that calls {ENVIRONMENT_CHECK}")
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "where",
                        "metadata": {}, "outputs": [], "source": WHERE})
    path = out / "00_setup_environment_check.ipynb"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def problems_in(executed: dict) -> list[str]:
    """Cells of an executed notebook that raised or wrote to stderr.

    >>> cell = {"cell_type": "code", "outputs": [{"output_type": "stream",
    ...         "name": "stderr", "text": "UserWarning: x\\n"}]}
    >>> problems_in({"cells": [cell]})
    ['code cell 0 wrote to stderr: UserWarning: x']
    """
    found = []
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(code):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", "")).strip().splitlines()
                found.append(f"code cell {number} wrote to stderr: {text[0] if text else ''}")
            elif out.get("output_type") == "error":
                found.append(f"code cell {number} raised {out.get('ename')}: {out.get('evalue')}")
    return found


def execute(notebook: Path, out: Path, env: dict[str, str], venv: Path
            ) -> tuple[float, dict, float | None]:
    """Run ``notebook`` with the environment's own ``jupyter nbconvert``; return its wall
    time, the executed notebook and the peak resident memory in MB of nbconvert and the
    kernel it started and reaped, whichever was larger (None where ``os.wait4`` is
    missing, as on Windows)."""
    target = f"{notebook.stem}.executed"
    cmd = [str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
           f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}", "--output-dir", str(out),
           "--output", target, str(notebook)]
    start = time.monotonic()
    returncode, stderr, peak_mb = run_measured(cmd, env, notebook.parent)
    seconds = time.monotonic() - start
    if returncode != 0:
        tail = [ln for ln in stderr.strip().splitlines() if ln.strip()][-6:]
        raise SetupFailed(f"{notebook.name} failed to run:\n    " + "\n    ".join(tail))
    executed = json.loads((out / f"{target}.ipynb").read_text(encoding="utf-8"))
    found = problems_in(executed)
    if found:
        raise SetupFailed(f"{notebook.name}: " + "; ".join(found))
    return seconds, executed, peak_mb


def run_measured(cmd: list[str], env: dict[str, str] | None, cwd: Path
                 ) -> tuple[int, str, float | None]:
    """Run ``cmd``; its exit status, stderr and peak RSS in MB. wait4 reports the larger
    of the process and the children it reaped: here nbconvert and its kernel. On Linux
    it is at least the caller's own resident memory at the fork, so call this from a
    small process (tools.hub and tools.bench are; a pytest worker is not)."""
    if not hasattr(os, "wait4"):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=cwd)
        return proc.returncode, proc.stderr, None
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return proc.returncode, stderr, round(peak, 1)


def _size_mb(folder: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(dirpath) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total / 1e6


def wheels_mb(venv: Path, kit: Path, folder: Path, env: dict[str, str]) -> float:
    """Megabytes of the wheels ``requirements-labs.txt`` downloads for this platform."""
    requirements = folder.parent / "requirements-download.txt"
    lines = (kit / "requirements-labs.txt").read_text(encoding="utf-8").splitlines()
    requirements.write_text("\n".join(ln for ln in lines if not ln.startswith("-e")) + "\n",
                            encoding="utf-8")
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "download", "-q",
                           "-r", str(requirements), "-d", str(folder)],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SetupFailed(f"pip download of requirements-labs.txt failed: "
                          f"{proc.stderr.strip()[-500:]}")
    return _size_mb(folder)


#: How the set-up page states the disk space a learner needs.
DISK = re.compile(r"about (?P<gb>\d+(?:\.\d+)?) GB of free disk space")
#: How far above the measured need the stated figure may be: it is rounded up to the
#: next 0.1 GB, with room for other platforms' larger wheels (macOS universal2).
DISK_ROOM_GB = 0.3


def disk_problem(measured_mb: float, text: str) -> str | None:
    """What is wrong with the set-up page's disk figure given what the set-up used, or None.

    >>> disk_problem(1130, "you need about 1.2 GB of free disk space and")
    >>> print(disk_problem(1330, "you need about 1.2 GB of free disk space and")[-77:])
    used 1.33 GB (the kit, its .venv and the downloaded wheels): say about 1.4 GB
    >>> print(disk_problem(700, "you need about 1.2 GB of free disk space and")[-16:])
    say about 0.7 GB
    """
    found = DISK.search(text)
    if found is None:
        return ("book/_setup_steps.md no longer says 'about N GB of free disk space'; "
                "say how much a learner needs")
    stated = float(found["gb"])
    measured = measured_mb / 1000
    if measured <= stated < measured + DISK_ROOM_GB:
        return None
    advice = math.ceil(round(measured * 10, 6)) / 10
    return (f"book/_setup_steps.md says about {stated:g} GB of free disk space, but the set-up "
            f"used {measured:.2f} GB (the kit, its .venv and the downloaded wheels): say about "
            f"{advice:g} GB")


def check(work: Path, python: Path | None) -> dict:
    """The whole check in ``work`` (an empty folder); return what it measured."""
    try:
        from tools import notebooks
    except ImportError as exc:
        raise SetupFailed(f"building the learner kit needs the repository's environment "
                          f"({exc}); run: .venv/bin/python -m tools.learner_setup") from exc
    report: dict = {"python_requested": str(python) if python else "python3 on the PATH"}
    start = time.monotonic()
    archive = notebooks.student(work / "build" / "student")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(work / "learner")
    kit = work / "learner" / "student"
    env = clean_env(dict(os.environ), work / "home", python)
    print(f"learner kit unzipped into {kit}; running the set-up commands", flush=True)

    log = work / "setup.log"
    try:
        report["steps"], served = run_steps(kit, env, log)
    except (SetupFailed, OSError) as exc:
        tail = log.read_text(encoding="utf-8").splitlines()[-30:] if log.exists() else []
        raise SetupFailed(f"{exc}\n  last lines of the set-up log:\n    "
                          + "\n    ".join(tail)) from exc
    if "00_setup.ipynb" not in served["files"]:
        raise SetupFailed(f"`jupyter lab labs` did not serve the labs folder: it shows "
                          f"{served['files']}")
    if "python3" not in served["kernels"]:
        raise SetupFailed(f"JupyterLab offers no python3 kernel, only {served['kernels']}")
    report["jupyterlab_served"] = served

    venv = kit / ".venv"
    env = activated(env, venv)
    env["LABKIT_STRICT"] = "1"
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import sys, labkit; print(sys.version.split()[0]); print(sys._base_executable); "
         "print(labkit.__file__)"],
        env=env, capture_output=True, text=True, cwd=kit)
    if probe.returncode != 0:
        raise SetupFailed(f"the new environment cannot import labkit: {probe.stderr.strip()}")
    version, base, labkit_file = probe.stdout.split("\n")[:3]
    if not Path(labkit_file).resolve().is_relative_to(kit.resolve()):
        raise SetupFailed(f"labkit was imported from {labkit_file}, not from the kit {kit}")
    report["python"] = {"version": version, "executable": base}
    report["venv_mb"] = round(_size_mb(venv))
    # What the set-up takes on a learner's disk: the kit with its .venv, and pip's cache
    # of the wheels it downloaded. Where pip installs from a local mirror (CI machines)
    # it caches nothing, so the wheels are downloaded once more, into a folder of their
    # own, and measured. The set-up page states the total; a stale figure fails here.
    report["wheels_mb"] = round(wheels_mb(venv, kit, work / "wheels", env))
    report["disk_mb"] = round(_size_mb(kit)) + report["wheels_mb"]
    problem = disk_problem(report["disk_mb"], steps_text())
    if problem:
        raise SetupFailed(problem)

    out = work / "executed"
    out.mkdir()
    seconds, executed, _ = execute(_truncated_lab0(kit / "labs" / "00_setup.ipynb", out), out,
                                env, venv)
    printed = "".join("".join(o.get("text", "")) for c in executed["cells"]
                      for o in c.get("outputs", []))
    if ENVIRONMENT_PASSED not in printed:
        raise SetupFailed(f"the learner edition's environment check did not print "
                          f"{ENVIRONMENT_PASSED!r}:\n{printed[-800:]}")
    where = dict(re.findall(r"^(kernel|labkit): (.+)$", printed, re.M))
    if Path(where.get("kernel", "?")).resolve() != venv.resolve():
        raise SetupFailed(f"the notebooks' kernel ran in {where.get('kernel')}, not in {venv}")
    if not Path(where.get("labkit", "/")).resolve().is_relative_to(kit.resolve()):
        raise SetupFailed(f"the kernel imported labkit from {where.get('labkit')}, not the kit")
    report["learner_environment_check_s"] = round(seconds, 1)
    print(f"learner edition: environment check passed ({seconds:.1f} s)", flush=True)

    # The learner edition's exercises are `...` placeholders, which fail their checks:
    # run every lab's full edition (with its solutions) in the learner's environment.
    report["labs_s"] = {}
    for full in sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb")):
        target = kit / "labs" / full.name
        shutil.copy2(full, target)
        seconds, _, _ = execute(target, out, env, venv)
        report["labs_s"][full.stem] = round(seconds, 1)
        print(f"full edition: {full.stem} ran in {seconds:.1f} s", flush=True)
    report["total_s"] = round(time.monotonic() - start, 1)
    return report


def summary(report: dict) -> str:
    """The report as a few lines for the terminal and the CI log."""
    lines = [f"learner set-up check passed in {report['total_s']:.0f} s",
             f"  python: {report['python']['version']} ({report['python']['executable']})",
             f"  environment .venv: {report['venv_mb']} MB; disk used with pip's wheels: "
             f"{report.get('disk_mb', '?')} MB (book/_setup_steps.md's figure)"]
    for step in report["steps"]:
        lines.append(f"  {step.get('seconds', 0):7.1f} s  {step['command']}")
    lines.append(f"  {report['learner_environment_check_s']:7.1f} s  Lab 0 environment check "
                 "(learner edition)")
    for lab, seconds in report["labs_s"].items():
        lines.append(f"  {seconds:7.1f} s  {lab} (full edition)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["readme"]:
        try:
            changed = write_readme()
        except ValueError as exc:
            print(f"learner_setup: error: {exc}", file=sys.stderr)
            return 2
        print("README.md: set-up steps " + ("updated" if changed else "already up to date"))
        return 0
    parser = argparse.ArgumentParser(prog="python -m tools.learner_setup",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="the Python to make the venv from (default: python3 "
                        "on the PATH, as the steps say)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--report", type=Path, help="also write the measurements as JSON")
    args = parser.parse_args(argv)
    python = None
    if args.python:
        found = shutil.which(args.python)
        if not found:
            print(f"learner_setup: error: --python {args.python}: no such program",
                  file=sys.stderr)
            return 2
        python = Path(found)
    work = Path(tempfile.mkdtemp(prefix="learner-setup-"))
    print("learner set-up check: the commands of book/_setup_steps.md in a fresh venv, then "
          "every lab (several minutes)", flush=True)
    try:
        report = check(work, python)
    except SetupFailed as exc:
        print(f"learner_setup: FAILED: {exc}\n  A learner following book/_setup_steps.md "
              "(the set-up page, README.md, Lab 0) would not get working labs. "
              f"Files kept in {work}", file=sys.stderr)
        return 1
    print(summary(report))
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:  # run as a script: make `tools` importable
        sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
