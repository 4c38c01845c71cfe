"""The audit example, published with the book (a local Sphinx extension).

When an HTML build finishes, this extension runs the kit's own audit
(``labkit.extract`` and ``labkit.report``, as ``python -m labkit audit`` does)
on the shipped SYNTHETIC example ``datasets/synthetic_predictions.csv`` and
writes the report and its model-card section into the built site, under
``audit/``. Because the report is computed at every build, the example in the
book can never disagree with the code or the data. book/audit.md links and
embeds it by its path (``../audit/example_report.html``).

Written here rather than taken from a library: no Sphinx extension runs a
project's own command at build time; what runs is ``labkit``, tested in
tests/test_report.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = "audit"
REPORT = f"{FOLDER}/example_report.html"
CARD = f"{FOLDER}/example_model_card.md"
#: The example's command line, as the page shows it (tests/test_report.py runs it too).
COMMAND = ("python -m labkit audit datasets/synthetic_predictions.csv "
           "--outcome readmitted_30d --score predicted_risk "
           "--group race_ethnicity --group sex --group age_band --group payer "
           "--intersect race_ethnicity,sex --time admission_date --id patient_id "
           "--threshold 0.15 --out report.html")
#: The page that shows the example.
PAGE = "book/audit"
TITLE = "Audit of a fictional vendor's readmission score (SYNTHETIC example)"


def example_arguments() -> list[str]:
    """The example's arguments after ``python -m labkit``, with the shipped file's path."""
    args = COMMAND.split()[3:]
    args[1] = str(ROOT / "datasets" / "synthetic_predictions.csv")
    return args


def publish(app, exception) -> None:
    """Write the example report and its model-card section into the built site."""
    if exception is not None or app.builder.format != "html":
        return
    if PAGE not in app.env.found_docs:  # a book without the audit page gets no example
        return
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from labkit import cli, report

    out = Path(app.outdir)
    (out / FOLDER).mkdir(exist_ok=True)
    # The command's own argument parsing and audit, run once for both files.
    args = cli._parser().parse_args([*example_arguments(), "--quiet"])
    result = cli.audit_result(args)
    result.source = COMMAND.split()[4]  # as the page names it, not this machine's path
    report.write_html(result, out / REPORT, title=TITLE)
    report.write_markdown(result, out / CARD)


def setup(app):
    app.connect("build-finished", publish)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
