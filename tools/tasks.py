#!/usr/bin/env python3
"""Every build task of the kit, behind the Makefile; standard library only.

It runs before any environment exists: each task first makes sure ``.venv``
exists and was installed from the current ``requirements.txt`` (re-installing
when that file or ``pyproject.toml`` is newer), then runs inside it. On a
machine without ``make`` (Windows), call it directly::

    python tools/tasks.py book|test|determinism|student|bench|hub|canary|datasets|lint|release|clean
    python tools/tasks.py clean-all

With ``LABKIT_SKIP_VENV=1`` in the environment the tasks use the Python that
runs this script, as it is, and never create or install ``.venv`` (for an
environment managed some other way: conda, a shared venv, a CI image).

Labs are executed once per run by ``tools/execute.py`` (two at a time, into the
execution cache the book build reads); ``test`` and ``book`` then reuse those outputs.
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


def scripts(venv: Path = VENV) -> Path:
    """The folder of the environment's scripts (python, jupyter-book ...)."""
    return Path(sys.executable).parent if skip_venv() else bin_path(venv, "python").parent


def run(cmd: list[str | Path], venv: Path = VENV, **env: str) -> int:
    """Run ``cmd`` with the venv's scripts first on PATH; return its exit status."""
    full_env = dict(os.environ, **env)
    full_env["PATH"] = str(scripts(venv)) + os.pathsep + full_env["PATH"]
    full_env.pop("PYTHONHOME", None)
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=full_env)


SKIP_VENV = "LABKIT_SKIP_VENV"


def skip_venv() -> bool:
    """True when ``LABKIT_SKIP_VENV=1``: use this Python as it is, install nothing."""
    return os.environ.get(SKIP_VENV, "") == "1"


def ensure_venv(
    venv: Path = VENV, requirements: Path = REQUIREMENTS, upgrade: bool = False,
    also: tuple[Path, ...] = (),
) -> Path:
    """Create and install ``venv`` if missing or older than its inputs; return its python.

    ``also``: further requirements files installed with ``requirements`` in one pip
    call. With ``LABKIT_SKIP_VENV=1`` return the running Python and touch nothing.
    """
    if sys.version_info[:2] < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        die(f"Python {wanted} or newer is needed; this is {sys.version.split()[0]}")
    if skip_venv():
        print(f"tasks: {SKIP_VENV}=1: using {sys.executable} as it is", flush=True)
        return Path(sys.executable)
    python = bin_path(venv, "python")
    stamp = venv / ".installed"
    inputs = [requirements, *also, ROOT / "pyproject.toml"]
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
    for extra in also:
        cmd += ["-r", extra]
    if upgrade:
        cmd.insert(4, "--upgrade")
    if run(cmd, venv) != 0:
        names = " and ".join(p.name for p in (requirements, *also))
        die(f"installing {names} into {venv.name} failed (see pip's message above)")
    stamp.touch()
    return python


def execution_inputs_fingerprint(root: Path = ROOT, environment: str = "") -> str:
    """A hash of what lab outputs depend on besides their own code.

    jupyter-cache re-runs a lab only when its code changes; a change to the data,
    to labkit, to the pinned packages or to the Python environment that runs the
    labs (``environment``: ``.venv`` or the canary's ``.venv-canary``) would
    otherwise leave stale outputs.

    >>> len(execution_inputs_fingerprint())
    64
    >>> execution_inputs_fingerprint(environment="a") != execution_inputs_fingerprint()
    True
    """
    digest = hashlib.sha256(environment.encode())
    files = [root / "requirements.txt", root / "datasets" / "SHA256SUMS",
             *sorted((root / "labkit").rglob("*.py"))]
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def refresh_execution_cache(build: Path = BUILD, root: Path = ROOT, environment: str = "",
                            cache_name: str = ".jupyter_cache") -> bool:
    """Empty the execution cache if labkit, the data, the pins or the environment
    changed; True if emptied. (``tools/execute.py`` calls it before every use.)"""
    cache = build / cache_name
    stamp = build / (cache_name + ".inputs")
    current = execution_inputs_fingerprint(root, environment)
    recorded = stamp.read_text().strip() if stamp.exists() else None
    stale = cache.exists() and recorded != current
    if stale:
        shutil.rmtree(cache, ignore_errors=True)
        print("tasks: labkit, datasets or requirements changed: re-running every lab", flush=True)
    if recorded != current:
        # Two test workers open the cache at once: rewriting the stamp in place
        # would let the other read it half-written (empty), take the cache for
        # stale and empty it under the first (seen in CI). So the stamp is
        # written only when it changes, and atomically.
        build.mkdir(parents=True, exist_ok=True)
        partial = stamp.with_name(f"{stamp.name}.{os.getpid()}.tmp")
        partial.write_text(current + "\n")
        os.replace(partial, stamp)
    return stale


def generate_notebooks(python: Path) -> None:
    if run([python, "-m", "tools.notebooks", "generate"]) != 0:
        die("generating the lab notebooks from labs/src failed")


def execute_labs(python: Path, venv: Path = VENV) -> int:
    """Execute every lab not yet in the execution cache, two at a time (tools/execute.py)."""
    return run([python, "-m", "tools.execute"], venv, LABKIT_STRICT="1", **ONE_THREAD)


def book(extra: list[str]) -> int:
    python = ensure_venv()
    generate_notebooks(python)
    if execute_labs(python) != 0:
        print("tasks: a lab failed (see above); the book was not built", file=sys.stderr)
        return 1
    status = run([scripts() / bin_path(VENV, "jupyter-book").name, "build", ".", *BOOK_FLAGS,
                  *extra], LABKIT_STRICT="1", **ONE_THREAD)
    if status != 0:
        # Sphinx would not re-read unchanged pages next time and so would not
        # repeat their warnings: force a full re-read after a failed build.
        shutil.rmtree(BUILD / ".doctrees", ignore_errors=True)
        print("tasks: the book build failed; see the messages above", file=sys.stderr)
    else:
        print(f"book: {BUILD / 'html' / 'index.html'}")
    return status


def test(extra: list[str], venv: Path = VENV) -> int:
    """Execute the labs not yet cached (once each), then pytest on two workers.

    The tests read the labs' outputs from the cache (tests/test_labs.py, the book
    build in tests/test_site.py). A failing lab stops here, before pytest. With
    arguments, only pytest runs, with them; the tests that need lab outputs
    execute the labs they miss themselves.
    """
    python = ensure_venv() if venv == VENV else bin_path(venv, "python")
    if not extra and execute_labs(python, venv) != 0:
        print("tasks: a lab failed (see above); fix it before the other tests run",
              file=sys.stderr)
        return 1
    args = ["-n", "2", "--dist", "loadgroup"]
    return run([python, "-m", "pytest", *args, *(extra or ["tests"])], venv,
               LABKIT_STRICT="1", **ONE_THREAD)


def determinism(extra: list[str]) -> int:
    """Run every lab again and compare its text outputs with the cached run."""
    python = ensure_venv()
    return run([python, "-m", "tools.execute", "--determinism", *extra], LABKIT_STRICT="1",
               **ONE_THREAD)


def student(extra: list[str]) -> int:
    python = ensure_venv()
    return run([python, "-m", "tools.notebooks", "student", BUILD / "student"])


#: The class's single-user environment, as the hub image installs it
#: (hosting/singleuser/Dockerfile): the lab runtime plus the hub's server and nbgitpuller.
HUB_VENV = ROOT / ".venv-hub"
HUB_REQUIREMENTS = (ROOT / "requirements-labs.txt",
                    ROOT / "hosting" / "singleuser" / "requirements.txt")
PROXY_DIR = ROOT / "hosting" / "proxy"
PROXY = PROXY_DIR / "node_modules" / ".bin" / "configurable-http-proxy"


def ensure_hub() -> Path:
    """``.venv-hub`` from the class image's two requirements files, and the hub's proxy
    (configurable-http-proxy, npm ci in hosting/proxy); return .venv-hub's python."""
    if skip_venv():
        die(f"make hub builds its own {HUB_VENV.name}: unset {SKIP_VENV}")
    python = ensure_venv(HUB_VENV, HUB_REQUIREMENTS[0], also=HUB_REQUIREMENTS[1:])
    lock = PROXY_DIR / "package-lock.json"
    if not PROXY.exists() or PROXY.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            die("make hub needs npm (Node.js 20 or newer) for JupyterHub's proxy: "
                "apt-get install nodejs npm")
        print("installing configurable-http-proxy with npm ci", flush=True)
        if subprocess.call([npm, "ci", "--no-audit", "--no-fund"], cwd=PROXY_DIR) != 0:
            die(f"npm ci in {PROXY_DIR.relative_to(ROOT)} failed (see npm's message above)")
        PROXY.touch()
    return python


def hub(extra: list[str]) -> int:
    """The class environment and a live hub on this machine (tools/hub.py): every lab
    in the class environment, then tests/test_hub.py with its live tests (several
    learners at once on a real JupyterHub), then their measurements."""
    python = ensure_venv()
    ensure_hub()
    status = run([python, "-m", "tools.hub", "labs", "--json", BUILD / "hub-labs.json"],
                 LABKIT_STRICT="1")
    if status != 0:
        return status
    # The live class is tests/test_hub.py's live tests, which make test leaves out.
    status = run([python, "-m", "pytest", "-q", "tests/test_hub.py",
                  *extra], LABKIT_LIVE_HUB="1")
    if status != 0:
        return status
    return run([python, "-m", "tools.hub", "show", BUILD / "hub.json"])


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
    if skip_venv():
        die(f"the canary installs its own {CANARY_VENV.name}; unset {SKIP_VENV}")
    BUILD.mkdir(exist_ok=True)
    requirements = BUILD / "canary-requirements.txt"
    requirements.write_text(unpinned(REQUIREMENTS.read_text(encoding="utf-8")), encoding="utf-8")
    python = ensure_venv(CANARY_VENV, requirements, upgrade=True)
    run([python, "-m", "pip", "list", "--format=freeze"], CANARY_VENV)
    return test(extra, venv=CANARY_VENV)


def datasets(extra: list[str]) -> int:
    python = ensure_venv()
    return run([python, "datasets/generate.py", *extra])


def lms(extra: list[str]) -> int:
    """The question bank and the post-tests as Canvas QTI and Moodle GIFT (tools/questions.py)."""
    python = ensure_venv()
    return run([python, "-m", "tools.questions", "export", *extra])


def release(extra: list[str]) -> int:
    """A new edition (tools/release.py): make release VERSION=x.y.z."""
    if len(extra) != 1:
        print("tasks: error: make release needs the new edition's number, e.g. "
              "make release VERSION=0.2.0", file=sys.stderr)
        return 2
    python = ensure_venv()
    return run([python, "-m", "tools.release", *extra])


def lint(extra: list[str]) -> int:
    python = ensure_venv()
    return run([python, "-m", "ruff", "check", "labkit", "tools", "tests", "labs/src", "datasets"])


def clean(extra: list[str], build: Path = BUILD) -> int:
    """Remove everything in ``_build`` except the execution cache (its stamp and lock)."""
    if build.is_dir():
        for path in build.iterdir():
            if path.name in (".jupyter_cache", ".jupyter_cache.inputs", ".jupyter_cache.lock"):
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    return 0


def clean_all(extra: list[str]) -> int:
    for path in (BUILD, VENV, CANARY_VENV, HUB_VENV, PROXY_DIR / "node_modules"):
        shutil.rmtree(path, ignore_errors=True)
    return 0


TASKS = {
    "book": book,
    "test": test,
    "determinism": determinism,
    "student": student,
    "bench": bench,
    "hub": hub,
    "canary": canary,
    "datasets": datasets,
    "lms": lms,
    "lint": lint,
    "release": release,
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
