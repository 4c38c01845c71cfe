"""A broken lab fails both the book build and nbval, with a message naming the
lab and the cell. (The real book is built and checked in test_site.py.)"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import notebooks

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

pytestmark = pytest.mark.slow


def jupyter_book(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LABKIT_STRICT="1")
    proc = subprocess.run([str(JB), "build", *args, "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    proc.stdout, proc.stderr = ANSI.sub("", proc.stdout), ANSI.sub("", proc.stderr)
    return proc


def make_broken_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    (book / "labs" / "src").mkdir(parents=True)
    (book / "tools").mkdir()
    for name in ("_config.yml", "references.bib", "tools/sphinx_a11y.py"):
        shutil.copy2(ROOT / name, book / name)
    (book / "index.md").write_text("# Broken book\n")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n  - file: labs/99_broken\n")
    src = book / "labs" / "src" / "99_broken.py"
    src.write_text(BROKEN_SOURCE)
    nb_path = book / "labs" / "99_broken.ipynb"
    nb_path.write_text(notebooks.dumps(notebooks.full_edition(src)))
    return book


def test_broken_lab_fails_the_book_build(tmp_path):
    book = make_broken_book(tmp_path)
    proc = jupyter_book(str(book))
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "99_broken.ipynb: WARNING: Executing notebook failed" in log
    assert 'raise RuntimeError("deliberately broken cell")' in log
    assert "RuntimeError: deliberately broken cell" in log


def test_broken_lab_fails_nbval_naming_the_cell(tmp_path):
    book = make_broken_book(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "labs/99_broken.ipynb"],
        capture_output=True, text=True, cwd=book)
    out = ANSI.sub("", proc.stdout)
    assert proc.returncode == 1, out[-2000:]
    # nbval numbers code cells from 0: Cell 1 is the second code cell, the broken one.
    assert "FAILED labs/99_broken.ipynb::Cell 1" in out
    assert 'raise RuntimeError("deliberately broken cell")' in out
    assert "RuntimeError: deliberately broken cell" in out
