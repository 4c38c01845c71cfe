"""tools/tasks.py: the venv bootstrap, the canary's unpinning, clean keeping the cache,
and the order of the test and book steps (labs executed once, first)."""

import doctest
import os
import sys
import time
from pathlib import Path

import pytest

from tools import tasks

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def venv_managed_by_tasks(monkeypatch):
    """These tests see tasks.py as `make` runs it, even under LABKIT_SKIP_VENV=1."""
    monkeypatch.delenv(tasks.SKIP_VENV, raising=False)


def test_examples_run():
    assert doctest.testmod(tasks).failed == 0


def test_canary_unpins_every_requirement():
    text = tasks.unpinned((ROOT / "requirements.txt").read_text())
    lines = text.splitlines()
    assert "jupyter-book<2" in lines
    assert not any("==" in line for line in lines)
    assert {"scikit-learn", "fairlearn", "shap", "nbval"} <= set(lines)


def fake_venv(tmp_path: Path) -> tuple[Path, Path]:
    venv = tmp_path / "venv"
    python = tasks.bin_path(venv, "python")
    python.parent.mkdir(parents=True)
    python.write_text("")
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==2.4.6\n")
    return venv, req


def test_up_to_date_venv_is_reused(tmp_path, monkeypatch):
    venv, req = fake_venv(tmp_path)
    (venv / ".installed").touch()
    future = time.time() + 60
    os.utime(venv / ".installed", (future, future))
    monkeypatch.setattr(tasks, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError(a)))
    assert tasks.ensure_venv(venv, req) == tasks.bin_path(venv, "python")


def test_venv_older_than_requirements_is_reinstalled(tmp_path, monkeypatch):
    venv, req = fake_venv(tmp_path)
    stamp = venv / ".installed"
    stamp.touch()
    os.utime(stamp, (1, 1))  # the stamp predates requirements.txt
    calls = []
    monkeypatch.setattr(tasks, "run", lambda cmd, *a, **k: calls.append(cmd) or 0)
    tasks.ensure_venv(venv, req)
    assert calls and "install" in [str(c) for c in calls[0]]
    assert stamp.stat().st_mtime > 1


def test_failed_install_leaves_no_stamp(tmp_path, monkeypatch, capsys):
    venv, req = fake_venv(tmp_path)
    monkeypatch.setattr(tasks, "run", lambda *a, **k: 1)
    try:
        tasks.ensure_venv(venv, req)
    except SystemExit as exc:
        assert exc.code == 2
    assert not (venv / ".installed").exists()
    assert "installing requirements.txt" in capsys.readouterr().err


def cache_inputs(tmp_path):
    """A kit with what the execution cache's stamp hashes, and a build folder holding
    a cache: (root, build)."""
    root = tmp_path / "kit"
    (root / "labkit").mkdir(parents=True)
    (root / "datasets").mkdir()
    (root / "requirements.txt").write_text("numpy==2.4.6\n")
    (root / "datasets" / "SHA256SUMS").write_text("abc  x.csv\n")
    build = tmp_path / "_build"
    (build / ".jupyter_cache").mkdir(parents=True)
    return root, build


def test_cache_is_emptied_when_labkit_or_data_change(tmp_path):
    root, build = cache_inputs(tmp_path)
    (root / "labkit" / "a.py").write_text("x = 1\n")
    assert tasks.refresh_execution_cache(build, root)  # no stamp yet: stale
    (build / ".jupyter_cache").mkdir()
    assert not tasks.refresh_execution_cache(build, root)  # unchanged: kept
    (root / "labkit" / "a.py").write_text("x = 2\n")
    assert tasks.refresh_execution_cache(build, root)  # labkit changed: emptied
    assert not (build / ".jupyter_cache").exists()


def test_an_unchanged_stamp_is_not_rewritten(tmp_path):
    """Two test workers open the cache at once; a stamp rewritten in place could be
    read half-written by the other, which would then empty the cache (seen in CI)."""
    root, build = cache_inputs(tmp_path)
    tasks.refresh_execution_cache(build, root)
    stamp = build / ".jupyter_cache.inputs"
    before = stamp.stat()
    (build / ".jupyter_cache").mkdir()
    assert not tasks.refresh_execution_cache(build, root)
    after = stamp.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    (root / "requirements.txt").write_text("numpy==2.4.7\n")
    assert tasks.refresh_execution_cache(build, root)
    assert stamp.stat().st_ino != before.st_ino  # replaced whole, never truncated
    assert sorted(p.name for p in build.iterdir()) == [".jupyter_cache.inputs"]


def test_clean_keeps_the_execution_cache(tmp_path):
    build = tmp_path / "_build"
    for rel in (".jupyter_cache/global.db", ".jupyter_cache.lock", "html/index.html",
                ".doctrees/x", "bench.json"):
        (build / rel).parent.mkdir(parents=True, exist_ok=True)
        (build / rel).write_text("x")
    tasks.clean([], build=build)
    assert sorted(p.name for p in build.iterdir()) == [".jupyter_cache", ".jupyter_cache.lock"]
    assert (build / ".jupyter_cache" / "global.db").exists()


def test_skip_venv_uses_this_python_and_installs_nothing(tmp_path, monkeypatch):
    venv, req = fake_venv(tmp_path)  # no stamp: would be installed without the variable
    monkeypatch.setenv("LABKIT_SKIP_VENV", "1")
    monkeypatch.setattr(tasks, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError(a)))
    assert tasks.ensure_venv(venv, req) == Path(sys.executable)
    assert tasks.scripts(venv) == Path(sys.executable).parent
    assert not (venv / ".installed").exists()


def recorded_runs(monkeypatch, statuses: dict[str, int]) -> list[list[str]]:
    """Replace tasks.run; each command's status is looked up by its module or tool."""
    calls: list[list[str]] = []

    def fake_run(cmd, *args, **env):
        cmd = [str(c) for c in cmd]
        calls.append(cmd)
        if "tools.execute" in cmd or "pytest" in cmd:
            assert env["LABKIT_STRICT"] == "1" and env["OMP_NUM_THREADS"] == "1"
        return statuses.get(cmd[2] if cmd[1] == "-m" else cmd[0], 0)

    monkeypatch.setenv("LABKIT_SKIP_VENV", "1")
    monkeypatch.setattr(tasks, "run", fake_run)
    return calls


def test_test_executes_the_labs_once_then_runs_pytest_without_nbval(monkeypatch):
    calls = recorded_runs(monkeypatch, {})
    assert tasks.test([]) == 0
    assert [c[1:3] for c in calls] == [["-m", "tools.execute"], ["-m", "pytest"]]
    pytest_args = calls[1][3:]
    assert pytest_args[-1] == "tests" and not any("nbval" in a for a in pytest_args)


def test_a_failing_lab_stops_the_tests_before_pytest(monkeypatch, capsys):
    calls = recorded_runs(monkeypatch, {"tools.execute": 1})
    assert tasks.test([]) == 1
    assert [c[2] for c in calls] == ["tools.execute"]
    assert "a lab failed" in capsys.readouterr().err


def test_a_failing_lab_stops_the_book_build(monkeypatch):
    calls = recorded_runs(monkeypatch, {"tools.execute": 1})
    assert tasks.book([]) == 1
    assert [c[2] for c in calls] == ["tools.notebooks", "tools.execute"]


def test_test_with_arguments_runs_only_pytest_with_them(monkeypatch):
    calls = recorded_runs(monkeypatch, {})
    assert tasks.test(["tests/test_cli.py"]) == 0
    assert len(calls) == 1 and calls[0][-1] == "tests/test_cli.py"


def test_the_cache_follows_the_python_environment(tmp_path):
    root, build = cache_inputs(tmp_path)
    tasks.refresh_execution_cache(build, root, environment="/k/.venv")
    (build / ".jupyter_cache").mkdir()
    assert not tasks.refresh_execution_cache(build, root, environment="/k/.venv")
    assert tasks.refresh_execution_cache(build, root, environment="/k/.venv-canary")


def test_the_bench_copies_every_local_sphinx_extension():
    """make bench builds the book in a scratch copy: every extension _config.yml loads
    from tools/ (and what sphinx_quiz reads) must be in that copy."""
    import yaml

    from tools import bench

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    for name, folder in config["sphinx"]["local_extensions"].items():
        assert f"{folder.rstrip('/')}/{name}.py" in bench.BOOK_FILES, name
    assert {"tools/objectives.py", "labs/src", "book"} <= set(bench.BOOK_FILES)
