#!/usr/bin/env python3
"""Every build task of the kit, behind the Makefile; standard library only.

It runs before any environment exists: each task first makes sure ``.venv``
exists and was installed from the current ``requirements.txt`` (re-installing
when that file or ``pyproject.toml`` is newer), then runs inside it. On a
machine without ``make`` (Windows), call it directly::

    python tools/tasks.py book|test|student|bench|canary|datasets|lint|clean|clean-all
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
VENV = ROOT / ".venv"
CANARY_VENV = ROOT / ".venv-canary"
REQUIREMENTS = ROOT / "requirements.txt"
MIN_PYTHON = (3, 11)
BOOK_FLAGS = ["-W", "-n", "--keep-going"]
#: One OpenMP/BLAS thread per process when processes run side by side (pytest-xdist
#: workers, their kernels): on two cores, more threads wait on each other and a
#: 0.3 s model fit can take 30 s. `make bench` runs labs alone, as a learner would.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def die(message: str) -> None:
    print(f"tasks: error: {message}", file=sys.stderr)
    sys.exit(2)


def bin_path(venv: Path, name: str) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / (name + ".exe")
    return venv / "bin" / name


def run(cmd: list[str | Path], venv: Path = VENV, **env: str) -> int:
    """Run ``cmd`` with the venv's scripts first on PATH; return its exit status."""
    full_env = dict(os.environ, **env)
    full_env["PATH"] = str(bin_path(venv, "python").parent) + os.pathsep + full_env["PATH"]
    full_env.pop("PYTHONHOME", None)
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=full_env)


def ensure_venv(
    venv: Path = VENV, requirements: Path = REQUIREMENTS, upgrade: bool = False
) -> Path:
    """Create and install ``venv`` if missing or older than its inputs; return its python."""
    if sys.version_info[:2] < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        die(f"Python {wanted} or newer is needed; this is {sys.version.split()[0]}")
    python = bin_path(venv, "python")
    stamp = venv / ".installed"
    inputs = [requirements, ROOT / "pyproject.toml"]
    if (
        not upgrade
        and python.exists()
        and stamp.exists()
        and all(stamp.stat().st_mtime >= p.stat().st_mtime for p in inputs)
    ):
        return python
    if not python.exists():
        print(f"creating {venv.name} with {sys.executable}", flush=True)
        if subprocess.call([sys.executable, "-m", "venv", str(venv)]) != 0:
            die(f"could not create {venv}")
    stamp.unlink(missing_ok=True)
    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "-r", requirements]
    if upgrade:
        cmd.insert(4, "--upgrade")
    if run(cmd, venv) != 0:
        die(f"installing {requirements.name} into {venv.name} failed (see pip's message above)")
    stamp.touch()
    return python


def execution_inputs_fingerprint(root: Path = ROOT) -> str:
    """A hash of what lab outputs depend on besides their own code.

    jupyter-cache re-runs a lab only when its code changes; a change to the data,
    to labkit or to the pinned packages would otherwise leave stale outputs.

    >>> len(execution_inputs_fingerprint())
    64
    """
    digest = hashlib.sha256()
    files = [root / "requirements.txt", root / "datasets" / "SHA256SUMS",
             *sorted((root / "labkit").rglob("*.py"))]
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def refresh_execution_cache(build: Path = BUILD, root: Path = ROOT) -> bool:
    """Empty the execution cache if labkit, the data or the pins changed; True if emptied."""
    cache = build / ".jupyter_cache"
    stamp = build / ".jupyter_cache.inputs"
    current = execution_inputs_fingerprint(root)
    stale = cache.exists() and (not stamp.exists() or stamp.read_text().strip() != current)
    if stale:
        shutil.rmtree(cache)
        print("tasks: labkit, datasets or requirements changed: re-running every lab", flush=True)
    build.mkdir(exist_ok=True)
    stamp.write_text(current + "\n")
    return stale


def generate_notebooks(python: Path) -> None:
    if run([python, "-m", "tools.notebooks", "generate"]) != 0:
        die("generating the lab notebooks from labs/src failed")


def book(extra: list[str]) -> int:
    python = ensure_venv()
    generate_notebooks(python)
    refresh_execution_cache()
    status = run([bin_path(VENV, "jupyter-book"), "build", ".", *BOOK_FLAGS, *extra],
                 LABKIT_STRICT="1", **ONE_THREAD)
    if status != 0:
        # Sphinx would not re-read unchanged pages next time and so would not
        # repeat their warnings: force a full re-read after a failed build.
        shutil.rmtree(BUILD / ".doctrees", ignore_errors=True)
        print("tasks: the book build failed; see the messages above", file=sys.stderr)
    else:
        print(f"book: {BUILD / 'html' / 'index.html'}")
    return status


def test(extra: list[str], venv: Path = VENV) -> int:
    python = ensure_venv() if venv == VENV else bin_path(venv, "python")
    args = ["-n", "2", "--dist", "loadscope", "--nbval-lax", "--nbval-current-env"]
    return run([python, "-m", "pytest", *args, *(extra or ["tests", "labs"])], venv,
               LABKIT_STRICT="1", **ONE_THREAD)


def student(extra: list[str]) -> int:
    python = ensure_venv()
    return run([python, "-m", "tools.notebooks", "student", BUILD / "student"])


def bench(extra: list[str]) -> int:
    python = ensure_venv()
    return run([python, "-m", "tools.bench", *extra], LABKIT_STRICT="1")


def unpinned(requirements: str, root: Path = ROOT) -> str:
    r"""The requirement names without their pins, for the canary.

    >>> text = "numpy==2.4.6  # arrays\njupyter-book==1.0.4.post1\n-e ."
    >>> print(unpinned(text, Path("/k")), end="")
    numpy
    jupyter-book<2
    -e /k
    """
    lines = []
    for line in requirements.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        if line.startswith("jupyter-book"):
            lines.append("jupyter-book<2")  # v2 is a different program
        elif line == "-e .":
            lines.append(f"-e {root}")
        else:
            lines.append(re.split(r"[=<>!~\[;]", line, maxsplit=1)[0].strip())
    return "\n".join(lines) + "\n"


def canary(extra: list[str]) -> int:
    """Install the newest releases of every top-level requirement and run the tests."""
    BUILD.mkdir(exist_ok=True)
    requirements = BUILD / "canary-requirements.txt"
    requirements.write_text(unpinned(REQUIREMENTS.read_text(encoding="utf-8")), encoding="utf-8")
    python = ensure_venv(CANARY_VENV, requirements, upgrade=True)
    run([python, "-m", "pip", "list", "--format=freeze"], CANARY_VENV)
    return test(extra, venv=CANARY_VENV)


def datasets(extra: list[str]) -> int:
    python = ensure_venv()
    return run([python, "datasets/generate.py", *extra])


def lint(extra: list[str]) -> int:
    python = ensure_venv()
    return run([python, "-m", "ruff", "check", "labkit", "tools", "tests", "labs/src", "datasets"])


def clean(extra: list[str], build: Path = BUILD) -> int:
    """Remove everything in ``_build`` except the execution cache (and its stamp)."""
    if build.is_dir():
        for path in build.iterdir():
            if path.name in (".jupyter_cache", ".jupyter_cache.inputs"):
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    return 0


def clean_all(extra: list[str]) -> int:
    for path in (BUILD, VENV, CANARY_VENV):
        shutil.rmtree(path, ignore_errors=True)
    return 0


TASKS = {
    "book": book,
    "test": test,
    "student": student,
    "bench": bench,
    "canary": canary,
    "datasets": datasets,
    "lint": lint,
    "clean": clean,
    "clean-all": clean_all,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(f"usage: python tools/tasks.py {{{'|'.join(TASKS)}}} [args]", file=sys.stderr)
        return 2
    return TASKS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
