"""tools/hub.py: the class link, the hub's configuration, the memory sampler, and a
live JupyterHub with several learners at once.

The live tests run in ``make hub`` (which installs ``.venv-hub`` and the proxy
first, then runs this module with LABKIT_LIVE_HUB=1; ``.ci/run`` runs it), not in
``make test``, which they would slow by most of a minute: without LABKIT_LIVE_HUB
they skip, saying so. With it, a missing hub fails them, naming what is missing.
"""

import doctest
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest

from tools import hub, sizing
from tools.notebooks import SOLUTION

ROOT = Path(__file__).resolve().parents[1]


def test_examples_run():
    assert doctest.testmod(hub).failed == 0


def test_the_class_link_opens_the_first_lab_of_the_pulled_edition():
    link = hub.nbgitpuller_link("https://hub.example.org/", "https://git.example.org/a b.git",
                                branch="v0.1.0", lab="02_evaluate.ipynb")
    parts = urlsplit(link)
    assert parts.path == "/hub/user-redirect/git-pull"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {"repo": "https://git.example.org/a b.git", "branch": "v0.1.0",
                     "targetpath": hub.TARGET,
                     "urlpath": f"lab/tree/{hub.TARGET}/labs/02_evaluate.ipynb"}


def test_the_hub_configuration_is_python_and_listens_only_on_this_machine(tmp_path):
    text = hub.hub_config(tmp_path, "t" * 32, "pw", 8123)
    compile(text, "jupyterhub_config.py", "exec")
    assert "c.JupyterHub.ip = '127.0.0.1'" in text
    assert "c.JupyterHub.hub_ip = '127.0.0.1'" in text
    assert "allow_existing_users = True" in text
    assert "allow_all" not in text


def test_a_missing_hub_is_named_with_the_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(hub, "HUB_VENV", tmp_path / "no-venv")
    monkeypatch.setattr(hub, "PROXY", tmp_path / "no-proxy")
    message = hub.missing()
    assert "jupyterhub" in message and "configurable-http-proxy" in message
    assert "make hub" in message
    assert hub.main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("hub: the live hub needs")


@pytest.mark.parametrize("argv", [["run", "--learners", "0"], ["fly"], ["run", "--learners", "x"]])
def test_bad_arguments_exit_2(argv, capsys):
    assert hub.main(argv) == 2


def test_the_sampler_finds_a_learners_server_and_counts_its_kernel_apart():
    """A stand-in 'server' (its command line names jupyterhub-singleuser, its
    environment names the learner) starts a child that holds 80 MiB."""
    child = "b = bytearray(80 * 1024 * 1024); import time; time.sleep(60)"
    server = ("import subprocess, sys, time; "
              f"p = subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(60)")
    env = dict(os.environ, JUPYTERHUB_USER="learner-test")
    proc = subprocess.Popen([sys.executable, "-c", server, "jupyterhub-singleuser"], env=env,
                            start_new_session=True)
    try:
        sampler = hub.MemorySampler(hub_pid=os.getpid())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            sampler.sample()
            peak = sampler.peaks.get("learner-test", {"kernels": 0})
            if peak["kernels"] >= 80 * 1024 * 1024:
                break
            time.sleep(0.2)
        peak = sampler.peaks["learner-test"]
        assert peak["kernels"] >= 80 * 1024 * 1024
        assert peak["server"] < 80 * 1024 * 1024
        assert peak["total"] == max(peak["total"], peak["server"] + peak["kernels"])
        assert sampler.hub_peak > 0
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()


# Session scope: pytest-xdist may run another module's tests between this module's
# (conftest keeps the module on one worker, not in one block), and a module-scoped
# fixture would then start the class again.
@pytest.fixture(scope="session")
def live_class():
    if os.environ.get("LABKIT_LIVE_HUB") != "1":
        pytest.skip("the live hub runs in make hub (LABKIT_LIVE_HUB=1), not in make test")
    problem = hub.missing()
    if problem:
        pytest.fail(problem)
    try:
        report = hub.run_class(learners=3)
    except hub.HubFailed as exc:
        pytest.fail(str(exc))
    out = ROOT / "_build" / "hub.json"  # what make hub prints and tools.sizing update reads
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    return report


def test_live_every_learner_receives_the_learner_edition(live_class):
    assert live_class["learners"] == 3
    assert len(live_class["per_learner"]) == 3
    labs = sorted(p.name for p in (ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
    assert live_class["edition"] == labs
    for row in live_class["per_learner"]:
        assert row["notebooks"] == labs, row["learner"]
    # byte for byte the notebooks of the class's git mirror, in every home
    assert live_class["identical"] == {f"learner{i}": True for i in (1, 2, 3)}


def test_the_class_mirror_holds_the_learner_edition_without_solutions(tmp_path):
    repo, edition = hub.class_mirror(tmp_path)
    assert repo.startswith("file://")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", repo, str(clone)], check=True)
    for path in sorted((clone / "labs").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
        assert SOLUTION not in tags, path.name
        assert "exercise" in tags or path.name.startswith("00_"), path.name
    assert (clone / "labkit").is_dir() and (clone / "datasets" / "SHA256SUMS").is_file()


def test_live_lab_1_runs_to_its_first_exercise_for_every_learner(live_class):
    nb = nbformat.read(ROOT / "labs" / hub.FIRST_LAB, as_version=4)
    before = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and SOLUTION in cell.metadata.get("tags", []):
            break
        before += cell.cell_type == "code"
    assert before >= 2
    for row in live_class["per_learner"]:
        assert row["cells_run"] == before, row
        assert 0 < row["ready_seconds"] <= row["notebooks_seconds"] <= row["first_exercise_seconds"]
        assert row["first_exercise_seconds"] < 180, row


def test_live_memory_per_learner_is_within_the_sizing(live_class):
    """The guide's sizing (hosting/sizing.json) must still hold: a learner's server
    within 25% of the measurement it was sized from, and the whole learner (server
    and kernel) under the memory guarantee."""
    plan = sizing.plan(sizing.load())
    for row in live_class["per_learner"]:
        assert row["kernels_mb"] > 50, row  # the kernel was seen
        assert row["server_mb"] <= plan["server_mb"] * 1.25, (
            f"{row['learner']}'s server used {row['server_mb']} MiB, the sizing assumes "
            f"{plan['server_mb']}: run make bench and make hub, then python -m tools.sizing update")
        assert row["peak_mb"] <= plan["memory_guarantee_mb"], row
    assert 0 < live_class["hub_mb"] <= sizing.load()["hub_mb"] * 1.25


def test_live_a_correction_reaches_a_learner_without_losing_their_work(live_class):
    """What book/hosting.md promises of a second click on the class link: the
    instructor's corrections arrive, the learner's own answer stays (even where the
    instructor changed the same line), and a lab the learner deleted comes back."""
    assert live_class["update"] == {"answer_kept": True, "deleted_lab_back": True,
                                    "readme_corrected": True, "lab2_corrected": True,
                                    "instructor_line_in_source": True}


def test_show_prints_a_runs_table_and_refuses_anything_else(tmp_path, capsys):
    report = {"learners": 1, "cores": 2, "jupyterhub": "5.5.0", "nbgitpuller": "1.3.0",
              "hub_mb": 170, "per_learner": [{"learner": "learner1", "ready_seconds": 9.5,
                                              "notebooks_seconds": 10.1,
                                              "first_exercise_seconds": 19.9,
                                              "server_mb": 136, "kernels_mb": 220,
                                              "peak_mb": 356}]}
    path = tmp_path / "hub.json"
    path.write_text(json.dumps(report))
    assert hub.main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 learners at once on 2 cores" in out and "hub and proxy 170 MiB" in out
    assert re.search(r"learner1\s+9\.5\s+10\.1\s+19\.9\s+136\s+220\s+356", out)
    assert hub.main(["show", str(tmp_path / "none.json")]) == 2
    assert hub.main(["show"]) == 2
    assert capsys.readouterr().err.count("\n") == 2  # one line each


# --- keeping a term on one edition (book/hosting.md, section 3) ----------------------

PULL = """
import json, sys
from nbgitpuller.pull import GitPuller
url, target, branch = sys.argv[1:]
try:
    for _ in GitPuller(url, target, branch=branch).pull():
        pass
    print(json.dumps({"ok": True, "text": open(target + "/labs/lab.md").read()}))
except Exception as exc:
    print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}))
"""


def nbgitpuller_python() -> Path:
    python = hub.HUB_VENV / "bin" / "python"
    if not python.exists():
        if os.environ.get("LABKIT_LIVE_HUB") == "1":
            pytest.fail(f"{python} is missing: make hub installs it")
        pytest.skip("nbgitpuller is in the class environment, which make hub installs "
                    "(LABKIT_LIVE_HUB=1 in CI); make test leaves it out")
    return python


class LearnerRepo:
    """The instructor's learner-edition repository, and a learner's clicks on the link."""

    def __init__(self, tmp_path: Path):
        self.tmp, self.src = tmp_path, tmp_path / "src"
        self.git("init", "-q", "-b", "main", str(self.src), cwd=tmp_path)
        (self.src / "labs").mkdir()
        self.publish("edition 0.1.0\n")
        self.git("tag", "v0.1.0")
        self.git("branch", "edition-0.1.0")
        self.remote = tmp_path / "remote.git"
        self.git("clone", "-q", "--bare", str(self.src), str(self.remote), cwd=tmp_path)
        self.git("remote", "add", "origin", str(self.remote))

    def git(self, *args: str, cwd: Path | None = None) -> None:
        subprocess.run(["git", "-c", "user.email=i@example.org", "-c", "user.name=I", *args],
                       cwd=cwd or self.src, check=True, capture_output=True)

    def publish(self, text: str, branch: str = "main") -> None:
        if hasattr(self, "remote"):  # the first commit is on main already
            self.git("checkout", "-q", branch)
        (self.src / "labs" / "lab.md").write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", text.strip())
        if hasattr(self, "remote"):
            self.git("push", "-q", "origin", branch, "--tags")

    def click(self, python: Path, branch: str, learner: str = "learner") -> dict:
        out = subprocess.run([str(python), "-c", PULL, f"file://{self.remote}",
                              str(self.tmp / learner), branch], capture_output=True,
                             text=True, check=True, env={"PATH": "/usr/bin:/bin",
                                                         "HOME": str(self.tmp)})
        return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_edition_branch_keeps_the_class_on_its_edition_and_takes_a_correction(tmp_path):
    python = nbgitpuller_python()
    repo = LearnerRepo(tmp_path)
    assert repo.click(python, "edition-0.1.0") == {"ok": True, "text": "edition 0.1.0\n"}
    repo.publish("edition 0.2.0\n")  # the next edition, on main
    assert repo.click(python, "edition-0.1.0") == {"ok": True, "text": "edition 0.1.0\n"}
    repo.publish("edition 0.1.0, corrected\n", branch="edition-0.1.0")  # an erratum
    assert repo.click(python, "edition-0.1.0") == {"ok": True,
                                                   "text": "edition 0.1.0, corrected\n"}


def test_a_tag_in_the_class_link_fails_on_the_second_click(tmp_path):
    """Why the hosting guide names an edition branch: nbgitpuller 1.3.0 pulls a tag
    once, then looks for origin/<tag>, which a clone does not have. If this test
    fails, nbgitpuller has learned tags: update book/hosting.md, section 3."""
    python = nbgitpuller_python()
    repo = LearnerRepo(tmp_path)
    assert repo.click(python, "v0.1.0") == {"ok": True, "text": "edition 0.1.0\n"}
    second = repo.click(python, "v0.1.0")
    assert not second["ok"] and "origin/v0.1.0" in second["error"]


def test_the_guides_edition_link_is_the_class_link_for_the_edition_branch():
    from tools import edition

    page = (ROOT / "book" / "hosting.md").read_text(encoding="utf-8")
    branch = f"edition-{edition.version()}"
    link = hub.nbgitpuller_link("https://hub.example.org",
                                "https://git.example.org/teaching/labkit-learner.git",
                                branch=branch)
    assert link in page
