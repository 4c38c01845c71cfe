"""A plain-language hint under the errors learners meet most often.

An exercise cell can fail before its check runs: ``MetricFrame`` given
probabilities stops inside fairlearn with "values must be from {0, 1}", and shap
given a scikit-learn Pipeline with "Model type not yet supported". The traceback
names the library's internals, not the learner's slip. :func:`install`, called
once at the top of a lab, keeps the traceback (the error still stops the cell and
fails a strict run) and adds one line below it that says what to pass instead.

Written here rather than taken from a library: IPython's ``set_custom_exc`` is
the documented hook for this, and the hints are the kit's own.

>>> hint_for(ValueError("If pos_label is not specified, values must be from {0, 1}"))[:38]
'a metric that counts flagged patients '
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["HINTS", "hint_for", "install"]

#: (pattern of the error message, hint) for errors whose message names a library's
#: internals rather than the learner's slip.
HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"values must be from \{0, 1\}|mix of binary and continuous|"
                r"continuous targets|Unknown label type: continuous"),
     "a metric that counts flagged patients (FNR, TPR, FPR, selection rate, PPV) needs 0/1 "
     "flags, not predicted probabilities: pass y_pred (risk >= threshold), not risk."),
    (re.compile(r"MetricFrame\.__init__\(\) takes 1 positional argument"),
     "MetricFrame takes keyword arguments only: MetricFrame(metrics=..., y_true=..., "
     "y_pred=..., sensitive_features=...)."),
    (re.compile(r"Model type not yet supported by TreeExplainer.*Pipeline", re.S),
     "TreeExplainer explains the classifier, not the Pipeline: explain model[-1] on the "
     "preprocessed data, model[:-1].transform(X)."),
    (re.compile(r"This \w+ instance is not fitted yet"),
     "fit the model first: call .fit(X_train, y_train) before predicting or explaining."),
    (re.compile(r"Input X? ?contains NaN"),
     "a column has missing values: impute them inside the pipeline (SimpleImputer) instead "
     "of dropping patients."),
    (re.compile(r"X has \d+ features, but \w+ is expecting \d+ features"),
     "predict with the same columns the model was fitted on, e.g. test[features]."),
    (re.compile(r"could not convert string to float"),
     "a text column reached a numeric step: one-hot encode the categorical columns "
     "(OneHotEncoder) in the ColumnTransformer."),
    (re.compile(r"columns are missing: \{"),
     "the DataFrame lacks a column the model was fitted on: pass the same feature columns."),
]


def hint_for(error: BaseException) -> str | None:
    """The hint for ``error``, or None when it is not one the kit knows."""
    message = f"{type(error).__name__}: {error}"
    for pattern, hint in HINTS:
        if pattern.search(message):
            return hint
    return None


def _handler(shell: Any, etype: type, value: BaseException, tb: Any,
             tb_offset: int | None = None) -> Any:
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    hint = hint_for(value)
    if hint:
        print(f"Hint: {hint}")


def install(shell: Any = None) -> bool:
    """Add the hints below errors in the running IPython kernel; False outside IPython.

    >>> install()  # in a plain Python process there is no kernel to add them to
    False
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((Exception,), _handler)
    return True
