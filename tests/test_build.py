"""A broken lab fails both the book build and tools/execute.py (what `make test`
and `make book` run first), with a message naming the lab and the cell; a lab
that ran is executed once and then reused. (The real book is built and checked
in test_site.py, the real labs' outputs in test_labs.py.)"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import execute, notebooks

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).parent / "jupyter-book"
SPHINX_PROBLEM = re.compile(r"(WARNING|ERROR|CRITICAL):")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BROKEN_SOURCE = '''# %% [markdown]
# # Lab 99 - Broken on purpose

# %%
x = 1

# %%
raise RuntimeError("deliberately broken cell")
'''
WARNING_SOURCE = '''# %%
import warnings

# %%
warnings.warn("deliberately noisy cell")
'''
GOOD_SOURCE = '''# %%
print("fine")
'''

pytestmark = pytest.mark.slow


def jupyter_book(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LABKIT_STRICT="1")
    proc = subprocess.run([str(JB), "build", *args, "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    proc.stdout, proc.stderr = ANSI.sub("", proc.stdout), ANSI.sub("", proc.stderr)
    return proc


def add_lab(book: Path, stem: str, source: str) -> Path:
    src = book / "labs" / "src" / f"{stem}.py"
    src.write_text(source)
    nb_path = book / "labs" / f"{stem}.ipynb"
    nb_path.write_text(notebooks.dumps(notebooks.full_edition(src)))
    return nb_path


def make_broken_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    (book / "labs" / "src").mkdir(parents=True)
    (book / "tools").mkdir()
    for name in ("_config.yml", "references.bib", "tools/sphinx_a11y.py", "tools/sphinx_quiz.py",
                 "tools/sphinx_learner.py", "tools/sphinx_audit.py", "tools/sphinx_glue.py",
                 "tools/sphinx_edition.py", "tools/edition.py", "pyproject.toml",
                 "CHANGELOG.md"):
        shutil.copy2(ROOT / name, book / name)
    (book / "index.md").write_text("# Broken book\n")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n  - file: labs/99_broken\n")
    add_lab(book, "99_broken", BROKEN_SOURCE)
    return book


def execute_labs(book: Path, *notebooks: str) -> subprocess.CompletedProcess:
    """``python -m tools.execute`` in ``book``, as `make test` runs it in the kit."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "tools.execute", "--cache", "_build/.jupyter_cache", *notebooks],
        capture_output=True, text=True, cwd=book, env=env)
    proc.stdout, proc.stderr = ANSI.sub("", proc.stdout), ANSI.sub("", proc.stderr)
    return proc


def test_broken_lab_fails_the_book_build(tmp_path):
    book = make_broken_book(tmp_path)
    proc = jupyter_book(str(book))
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "99_broken.ipynb: WARNING: Executing notebook failed" in log
    assert 'raise RuntimeError("deliberately broken cell")' in log
    assert "RuntimeError: deliberately broken cell" in log


def test_broken_lab_fails_the_execution_naming_the_cell(tmp_path):
    book = make_broken_book(tmp_path)
    add_lab(book, "98_warns", WARNING_SOURCE)
    add_lab(book, "97_good", GOOD_SOURCE)
    labs = ["labs/97_good.ipynb", "labs/98_warns.ipynb", "labs/99_broken.ipynb"]
    proc = execute_labs(book, *labs)
    err = proc.stderr
    assert proc.returncode == 1, proc.stdout + err
    # Code cells are numbered from 0, as nbval numbers them: Cell 1 is the broken one.
    assert ("FAILED labs/99_broken.ipynb::Cell 1 (labs/src/99_broken.py:8) - "
            "RuntimeError: deliberately broken cell") in err
    assert 'raise RuntimeError("deliberately broken cell")' in err
    assert "FAILED labs/98_warns.ipynb::Cell 1 (labs/src/98_warns.py:5) - wrote to stderr:" in err
    assert "UserWarning: deliberately noisy cell" in err
    assert "1 executed, 2 failed, 0 reused" in proc.stdout
    # The good lab was stored and is reused; the failed ones were not, so they run
    # (and fail) again next time.
    cache = execute.open_cache(book / "_build" / ".jupyter_cache")
    assert execute.cached_notebook(cache, book / labs[0]) is not None
    assert execute.cached_notebook(cache, book / labs[1]) is None
    assert execute.cached_notebook(cache, book / labs[2]) is None
    again = execute_labs(book, labs[0])
    assert again.returncode == 0
    assert "0 executed, 0 failed, 1 reused" in again.stdout
