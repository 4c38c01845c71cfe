"""The labs' shared state, rebuilt once from the shipped data and kept for every check.

A check must know the right answer without trusting the learner's variables,
so it rebuilds what the lab builds (the readmission task, Lab 1's models, their
risks) from the SYNTHETIC cohort. That takes seconds, so it is done once per
data folder and kept here: one cache with one key (the data folder and its
checksums), instead of one cache per lab module. Anything a lab's checks derive
from it is kept with :meth:`LabState.memo`, under the same key.

>>> from labkit.checks.state import lab_state
>>> state = lab_state()
>>> state is lab_state() and len(state.task.test) > 3000
True
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from labkit import cohorts, datasets

__all__ = ["LabState", "lab_state", "one_thread", "RANDOM_STATE"]

RANDOM_STATE = 0  # the labs' one seed
T = TypeVar("T")


def one_thread() -> threadpool_limits:
    """One OpenMP/BLAS thread: on a busy machine parallel tree predictions wait on each
    other for tens of seconds; the results are the same."""
    return threadpool_limits(limits=1)


class LabState:
    """What the labs build, computed on first use and kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._memo: dict[str, Any] = {}
        self._lock = threading.RLock()

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """The value kept under ``key``, computed by ``compute()`` the first time."""
        with self._lock:
            if key not in self._memo:
                with one_thread():
                    self._memo[key] = compute()
            return self._memo[key]

    @property
    def cohort(self) -> Any:
        """The admissions cohort as :func:`labkit.datasets.load_admissions` returns it."""
        return self.memo("cohort", datasets.load_admissions)

    @property
    def at_risk(self) -> Any:
        """Admissions with a recorded outcome, in file order (Lab 1's ``at_risk``)."""
        return self.memo("at_risk",
                         lambda: self.cohort[self.cohort[cohorts.TARGET].notna()])

    @property
    def task(self) -> cohorts.Task:
        """The readmission task: trained on 2019-2022, tested on new patients of 2023-2024."""
        return self.memo("task", cohorts.readmission_task)

    @property
    def logistic(self) -> Any:
        """Lab 1's logistic-regression pipeline, fitted on the training set."""
        return self.memo("logistic", lambda: cohorts.reference_model(self.task, "logistic"))

    @property
    def boosting(self) -> Any:
        """Lab 1's gradient-boosting pipeline, fitted on the training set."""
        return self.memo("boosting", lambda: cohorts.reference_model(
            self.task, "boosting", random_state=RANDOM_STATE))

    @property
    def risk(self) -> np.ndarray:
        """The logistic model's predicted risk for each test patient."""
        return self.memo("risk", lambda: self.logistic.predict_proba(self.task.X_test)[:, 1])


def _fingerprint(folder: Path) -> str:
    sums = folder / "SHA256SUMS"
    return sums.read_text(encoding="utf-8") if sums.is_file() else ""


@functools.lru_cache(maxsize=2)
def _state_for(folder: str, fingerprint: str) -> LabState:
    return LabState(Path(folder))


def lab_state() -> LabState:
    """The state for the current data folder (``$LABKIT_DATA_DIR`` or ``datasets/``)."""
    folder = datasets.data_dir()
    return _state_for(str(folder), _fingerprint(folder))
