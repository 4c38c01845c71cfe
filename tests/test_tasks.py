"""tools/tasks.py: the venv bootstrap, the canary's unpinning, clean keeping the cache."""

import doctest
import os
import time
from pathlib import Path

from tools import tasks

ROOT = Path(__file__).resolve().parents[1]


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


def test_cache_is_emptied_when_labkit_or_data_change(tmp_path):
    root = tmp_path / "kit"
    (root / "labkit").mkdir(parents=True)
    (root / "datasets").mkdir()
    (root / "requirements.txt").write_text("numpy==2.4.6\n")
    (root / "datasets" / "SHA256SUMS").write_text("abc  x.csv\n")
    (root / "labkit" / "a.py").write_text("x = 1\n")
    build = tmp_path / "_build"
    (build / ".jupyter_cache").mkdir(parents=True)
    assert tasks.refresh_execution_cache(build, root)  # no stamp yet: stale
    (build / ".jupyter_cache").mkdir()
    assert not tasks.refresh_execution_cache(build, root)  # unchanged: kept
    (root / "labkit" / "a.py").write_text("x = 2\n")
    assert tasks.refresh_execution_cache(build, root)  # labkit changed: emptied
    assert not (build / ".jupyter_cache").exists()


def test_clean_keeps_the_execution_cache(tmp_path):
    build = tmp_path / "_build"
    for rel in (".jupyter_cache/global.db", "html/index.html", ".doctrees/x", "bench.json"):
        (build / rel).parent.mkdir(parents=True, exist_ok=True)
        (build / rel).write_text("x")
    tasks.clean([], build=build)
    assert [p.name for p in build.iterdir()] == [".jupyter_cache"]
    assert (build / ".jupyter_cache" / "global.db").exists()
