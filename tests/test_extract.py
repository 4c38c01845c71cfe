"""labkit.extract: reading a hospital's predictions extract for the audit.

Each input case is one test. Error tests check that the message is one line,
starts with the file, and names the column and the lines at fault; expected
numbers are worked out here from the cells written, never copied from output.
"""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labkit.extract import MISSING, Predictions, read_predictions


def write(tmp_path: Path, text: str, name: str = "x.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def error(source, **kwargs) -> str:
    """The one-line message of the ValueError that reading raises; it starts with the source."""
    with pytest.raises(ValueError) as info:
        read_predictions(source, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    name = "the DataFrame" if isinstance(source, pd.DataFrame) else str(source)
    assert message.startswith(f"{name}: "), message
    return message


BASIC = "id,died,risk,sex\nA,1,0.2,F\nB,0,0.4,M\nC,1,0.9,F\nD,0,0.1,M\n"


def test_a_clean_file_reads_into_every_field(tmp_path):
    path = write(tmp_path, BASIC)
    p = read_predictions(path, outcome="died", score="risk", groups=["sex"], id="id")
    assert isinstance(p, Predictions)
    assert p.source == path
    assert p.outcome.dtype == np.int8 and p.outcome.tolist() == [1, 0, 1, 0]
    assert p.score.dtype == np.float64 and p.score.tolist() == [0.2, 0.4, 0.9, 0.1]
    assert p.groups["sex"].tolist() == ["F", "M", "F", "M"]
    assert isinstance(p.groups.index, pd.RangeIndex)
    assert p.ids.tolist() == ["A", "B", "C", "D"] and p.time is None
    assert p.lines.dtype == np.int64 and p.lines.tolist() == [2, 3, 4, 5]
    assert p.columns == {"outcome": "died", "score": "risk", "id": "id"}
    assert (p.n_read, p.n_excluded, p.warnings) == (4, 0, ())
    assert "Delimiter ',' (detected)." in p.notes


# --------------------------------------------------------------------------
# Missing values, role by role


@pytest.mark.parametrize("cell", ["", "  ", "NA", "n/a", "NaN", "null", "None", "MISSING", "."])
def test_a_missing_outcome_leaves_the_row_out_with_a_warning(tmp_path, cell):
    path = write(tmp_path, f"died,risk\n1,0.2\n{cell},0.3\n0,0.4\n{cell},0.5\n1,0.6\n")
    p = read_predictions(path, outcome="died", score="risk")
    assert p.outcome.tolist() == [1, 0, 1] and p.score.tolist() == [0.2, 0.4, 0.6]
    assert p.lines.tolist() == [2, 4, 6]
    assert (p.n_read, p.n_excluded) == (5, 2)
    assert p.warnings == ("Column 'died' has no value on 2 rows (lines 3 and 5): left out of "
                          "the audit.",)


def test_a_missing_score_leaves_the_row_out_and_says_it_is_a_finding(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.2\n0,\n0,NA\n0,0.6\n")
    p = read_predictions(path, outcome="died", score="risk")
    assert p.lines.tolist() == [2, 5] and p.n_excluded == 2
    [warning] = p.warnings
    assert warning.startswith("Column 'risk' has no value on 2 rows (lines 3 and 4)")
    assert "did not score is itself a finding" in warning


def test_more_than_five_lines_are_counted_not_listed(tmp_path):
    rows = "".join("1,\n" if i % 2 else "0,0.5\n1,0.7\n" for i in range(16))
    path = write(tmp_path, "died,risk\n" + rows)
    p = read_predictions(path, outcome="died", score="risk")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    gap_lines = [i + 2 for i in np.flatnonzero(frame["risk"].eq(""))]
    shown = ", ".join(map(str, gap_lines[:5]))
    assert f"(lines {shown} and {len(gap_lines) - 5} more)" in p.warnings[0]


def test_a_missing_group_label_becomes_the_missing_group(tmp_path):
    path = write(tmp_path, "died,risk,sex\n1,0.2,F\n0,0.3,\n0,0.4,N/A\n1,0.6,M\n")
    p = read_predictions(path, outcome="died", score="risk", groups=["sex"])
    assert p.groups["sex"].tolist() == ["F", MISSING, MISSING, "M"]
    assert p.n_excluded == 0
    assert p.warnings == (f"Column 'sex' has no value on 2 rows (lines 3 and 4): shown as the "
                          f"group {MISSING!r}.",)


def test_a_missing_date_is_nat_and_only_leaves_the_over_time_analysis(tmp_path):
    path = write(tmp_path, "died,risk,day\n1,0.2,2023-01-05\n0,0.3,\n0,0.4,2023-02-01\n")
    p = read_predictions(path, outcome="died", score="risk", time="day")
    assert p.time.dtype == "datetime64[ns]" and isinstance(p.time.index, pd.RangeIndex)
    assert p.time.isna().tolist() == [False, True, False]
    assert p.time[0] == pd.Timestamp(2023, 1, 5) and p.time[2] == pd.Timestamp(2023, 2, 1)
    assert p.n_excluded == 0 and p.columns["time"] == "day"
    assert p.warnings == ("Column 'day' has no date on 1 row (line 3): left out of the "
                          "over-time analysis only.",)


def test_a_missing_id_is_none_with_a_warning(tmp_path):
    path = write(tmp_path, "pid,died,risk\nA,1,0.2\n,0,0.3\nB,0,0.4\n.,1,0.5\n")
    p = read_predictions(path, outcome="died", score="risk", id="pid")
    assert p.ids.tolist() == ["A", None, "B", None]
    assert p.warnings == ("Column 'pid' has no id on 2 rows (lines 3 and 5): not checked for "
                          "repeat patients.",)


def test_a_row_missing_both_outcome_and_score_is_counted_once(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.2\n,\n0,0.4\n")
    p = read_predictions(path, outcome="died", score="risk")
    assert (p.n_read, p.n_excluded, len(p.outcome)) == (3, 1, 2)
    assert len(p.warnings) == 2  # one for each column, both naming line 3
    assert all("(line 3)" in w for w in p.warnings)


def test_rows_with_no_outcome_or_score_at_all_are_an_error(tmp_path):
    path = write(tmp_path, "died,risk\n,0.2\n1,\n")
    message = error(path, outcome="died", score="risk")
    assert "'died'" in message and "'risk'" in message and "lines 2 and 3" in message


# --------------------------------------------------------------------------
# Outcomes


@pytest.mark.parametrize(("one", "zero"), [("yes", "no"), ("1", "0"), ("TRUE", "FALSE"),
                                           ("1.0", "0.0"), ("Y", "n"), ("t", "F"),
                                           ("True", "false")])
def test_outcome_spellings(tmp_path, one, zero):
    path = write(tmp_path, f"died,risk\n{one},0.2\n{zero},0.3\n{zero},0.4\n{one},0.5\n")
    p = read_predictions(path, outcome="died", score="risk")
    assert p.outcome.tolist() == [1, 0, 0, 1]
    assert f"Column 'died': {one!r} read as 1, {zero!r} as 0." in p.notes


def test_positive_names_the_outcome_value(tmp_path):
    path = write(tmp_path, "status,risk\ndied,0.2\nalive,0.3\nDied,0.4\nalive,0.5\n")
    p = read_predictions(path, outcome="status", score="risk", positive="died")
    assert p.outcome.tolist() == [1, 0, 1, 0]


def test_positive_with_more_than_two_values_is_an_error(tmp_path):
    path = write(tmp_path, "status,risk\ndied,0.2\nalive,0.3\ntransferred,0.4\n")
    message = error(path, outcome="status", score="risk", positive="died")
    assert "column 'status' has more than two distinct values" in message
    assert "'transferred' (line 4)" in message


def test_unknown_outcome_values_are_named_with_their_lines(tmp_path):
    path = write(tmp_path, "status,risk\ndead,0.2\nalive,0.3\ndead,0.4\n")
    message = error(path, outcome="status", score="risk")
    assert "column 'status' must hold 1/0" in message
    assert "'dead' (lines 2 and 4) and 'alive' (line 3)" in message
    assert "positive='dead'" in message


def test_a_probability_in_the_outcome_column_is_an_error(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.2\n0.5,0.3\n0,0.4\n")
    assert "column 'died'" in (message := error(path, outcome="died", score="risk"))
    assert "'0.5' (line 3)" in message


def test_a_single_outcome_class_is_an_error(tmp_path):
    path = write(tmp_path, "died,risk\n0,0.2\n0,0.3\n1,\n0,0.4\n")
    message = error(path, outcome="died", score="risk")
    assert "column 'died' has outcome 0 in all 3 rows kept (lines 2 to 5; 1 more left out" \
        in message
    assert "with and without the outcome" in message


# --------------------------------------------------------------------------
# Scores


@pytest.mark.parametrize("cells", [["20%", "45 %", "5%"], ["20", "45", "5"]])
def test_percentages_are_divided_by_100_with_a_warning(tmp_path, cells):
    rows = "".join(f"{y},{c}\n" for y, c in zip([1, 0, 0], cells, strict=True))
    p = read_predictions(write(tmp_path, "died,risk\n" + rows), outcome="died", score="risk")
    assert p.score.tolist() == [20 / 100, 45 / 100, 5 / 100]
    [warning] = p.warnings
    assert warning.startswith("Column 'risk' holds percentages (largest 45")


def test_a_percent_sign_means_percent_even_below_one(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.5%\n0,0.25%\n")
    p = read_predictions(path, outcome="died", score="risk")
    assert p.score.tolist() == [0.5 / 100, 0.25 / 100]


def test_values_with_and_without_a_percent_sign_are_an_error(tmp_path):
    path = write(tmp_path, "died,risk\n1,20%\n0,0.3\n")
    message = error(path, outcome="died", score="risk")
    assert "column 'risk' mixes values written with '%' (line 2 ('20%')) and without " \
        "(line 3 ('0.3'))" in message


def test_scores_outside_0_1_that_are_not_percentages_are_an_error(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.5\n0,0.2\n1,0.3\n0,-0.2\n1,0.1\n0,0.2\n0,0.4\n1,140\n")
    message = error(path, outcome="died", score="risk")
    assert "column 'risk' has values outside [0, 1] that are not percentages" in message
    assert "line 5 ('-0.2') and line 9 ('140')" in message
    assert "the audit needs predicted probabilities" in message


@pytest.mark.parametrize("cell", ["high", "inf", "-inf", "0..3", "1/3"])
def test_a_score_that_is_not_a_finite_number_is_an_error(tmp_path, cell):
    path = write(tmp_path, f"died,risk\n1,0.5\n0,{cell}\n")
    message = error(path, outcome="died", score="risk")
    assert f"column 'risk' holds values that are not numbers: line 3 ({cell!r})" in message


def test_scale_probability_forced(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.5\n0,50\n")
    message = error(path, outcome="died", score="risk", scale="probability")
    assert "column 'risk' has values outside [0, 1]" in message and "line 3 ('50')" in message
    path = write(tmp_path, "died,risk\n1,0.5\n0,0.1%\n")
    message = error(path, outcome="died", score="risk", scale="probability")
    assert "column 'risk' holds percentages (line 3 ('0.1%'))" in message


def test_scale_percent_forced(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.5\n0,0.25\n")
    p = read_predictions(path, outcome="died", score="risk", scale="percent")
    assert p.score.tolist() == [0.5 / 100, 0.25 / 100]
    path = write(tmp_path, "died,risk\n1,50\n0,150\n")
    message = error(path, outcome="died", score="risk", scale="percent")
    assert "column 'risk' has values outside [0, 100]" in message and "line 3 ('150')" in message


def test_an_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="scale must be"):
        read_predictions(pd.DataFrame({"y": [1, 0], "p": [0.1, 0.2]}), outcome="y", score="p",
                         scale="logit")


def test_a_constant_score_is_a_warning(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.3\n0,0.3\n0,0.3\n")
    p = read_predictions(path, outcome="died", score="risk")
    [warning] = p.warnings
    assert warning.startswith("Column 'risk' has the same value (0.3) for every patient")
    assert "AUROC is 0.5" in warning


# --------------------------------------------------------------------------
# Groups


def test_a_group_with_one_value_is_a_warning(tmp_path):
    path = write(tmp_path, "died,risk,site\n1,0.3,North\n0,0.4,North\n")
    p = read_predictions(path, outcome="died", score="risk", groups=["site"])
    assert p.warnings == ("Column 'site' has one value ('North') for every patient: no "
                          "comparison between groups is possible.",)


def test_numbers_in_a_group_column_keep_their_text(tmp_path):
    path = write(tmp_path, "died,risk,stage\n1,0.3, 3 \n0,0.4,3.0\n")
    p = read_predictions(path, outcome="died", score="risk", groups=["stage"])
    assert p.groups["stage"].tolist() == ["3", "3.0"]


# --------------------------------------------------------------------------
# Text files: encodings, delimiters, number formats, lines


def test_a_windows_1252_file_is_read_with_a_warning(tmp_path):
    path = write(tmp_path, "died;risk;sex\n1;0,2;F\n0;0,4;Mé\n", encoding="cp1252")
    p = read_predictions(path, outcome="died", score="risk", groups=["sex"])
    assert p.groups["sex"].tolist() == ["F", "Mé"]
    [warning] = p.warnings
    assert "not UTF-8 (line 3" in warning and "Windows-1252 (cp1252)" in warning


def test_the_encoding_can_be_given(tmp_path):
    path = write(tmp_path, "died,risk,sex\n1,0.2,Mé\n0,0.4,F\n", encoding="latin-1")
    p = read_predictions(path, outcome="died", score="risk", groups=["sex"], encoding="latin-1")
    assert p.groups["sex"].tolist() == ["Mé", "F"] and p.warnings == ()
    message = error(write(tmp_path, "died,risk\n1,0.2\n0,0.4 é\n", encoding="latin-1"),
                    outcome="died", score="risk", encoding="utf-8")
    assert "line 3 is not valid 'utf-8'" in message


def test_a_byte_order_mark_is_stripped(tmp_path):
    path = write(tmp_path, "\ufeffdied,risk\n1,0.2\n0,0.4\n")
    p = read_predictions(path, outcome="died", score="risk")
    assert p.outcome.tolist() == [1, 0] and "Encoding UTF-8 with a byte-order mark." in p.notes


def test_semicolons_with_decimal_commas(tmp_path):
    path = write(tmp_path, "died;risk\n1;0,35\n0;0,05\n0;1\n")
    p = read_predictions(path, outcome="died", score="risk")
    assert p.score.tolist() == [0.35, 0.05, 1.0]
    assert "Delimiter ';' (detected)." in p.notes
    assert "Column 'risk': numbers with a decimal comma (detected from '0,35')." in p.notes


def test_tab_delimited(tmp_path):
    path = write(tmp_path, "died\trisk\tward name\n1\t0.2\tA, east\n0\t0.4\tB\n")
    p = read_predictions(path, outcome="died", score="risk", groups=["ward name"])
    assert p.groups["ward name"].tolist() == ["A, east", "B"]
    assert "Delimiter tab (detected)." in p.notes
    p = read_predictions(path, outcome="died", score="risk", delimiter="tab")
    assert "Delimiter tab (as given)." in p.notes


def test_thousands_separators_are_detected(tmp_path):
    # 1,234.5 is one thousand two hundred and thirty-four: not a percentage.
    path = write(tmp_path, 'died,risk\n1,"1,234.5"\n0,0.2\n')
    message = error(path, outcome="died", score="risk")
    assert "(read with a decimal point and thousands separator ',')" in message
    assert "line 2 ('1,234.5')" in message
    path = write(tmp_path, "died;risk\n1;1.234,5\n0;0,2\n")
    message = error(path, outcome="died", score="risk")
    assert "(read with a decimal comma and thousands separator '.')" in message


def test_number_formats_can_be_given(tmp_path):
    path = write(tmp_path, "died|risk\n1|0,5\n0|0,25\n")
    p = read_predictions(path, outcome="died", score="risk", decimal=",", thousands=".")
    assert p.score.tolist() == [0.5, 0.25]
    assert "Column 'risk': numbers with a decimal comma and thousands separator '.' (as given)." \
        in p.notes


def test_a_space_as_thousands_separator_can_be_given(tmp_path):
    path = write(tmp_path, "died;risk\n1;0,5\n0;1 000,0\n")
    message = error(path, outcome="died", score="risk", thousands=" ")
    assert "(read with a decimal comma and thousands separator ' ')" in message
    assert "line 3 ('1 000,0')" in message  # read as 1000, not 1: neither probability nor %


def test_mixed_number_formats_are_an_error(tmp_path):
    path = write(tmp_path, 'died;risk\n1;"1.234,5"\n0;"1,234.5"\n')
    message = error(path, outcome="died", score="risk")
    assert "column 'risk' mixes number formats" in message
    assert "line 2 ('1.234,5') and line 3 ('1,234.5')" in message


def test_a_decimal_point_among_decimal_commas_is_an_error(tmp_path):
    path = write(tmp_path, "died;risk\n1;0,5\n0;0.25\n")
    message = error(path, outcome="died", score="risk")
    assert "column 'risk' holds values that are not numbers (read with a decimal comma)" in message
    assert "line 3 ('0.25')" in message


def test_blank_lines_are_skipped_and_lines_still_count(tmp_path):
    path = write(tmp_path, "died,risk\r\n1,0.2\r\n\r\n0,0.4\r\n   \r\n1,0.6\r\n")
    p = read_predictions(path, outcome="died", score="risk")
    assert p.lines.tolist() == [2, 4, 6] and p.n_read == 3 and p.warnings == ()
    assert "Blank lines 3 and 5 skipped (no data)." in p.notes


def test_lines_are_counted_past_quoted_line_breaks(tmp_path):
    path = write(tmp_path, 'died,risk,note\n1,0.2,"two\nlines"\n0,0.4,x\n1,,y\n')
    p = read_predictions(path, outcome="died", score="risk")
    assert p.lines.tolist() == [2, 4]
    assert "(line 5)" in p.warnings[0]


def test_a_row_with_too_many_fields_is_an_error(tmp_path):
    path = write(tmp_path, "died,risk\n1,0.2\n0,0,4\n")
    message = error(path, outcome="died", score="risk")
    assert "line 3 has 3 fields but the header has 2" in message


def test_header_names_are_stripped(tmp_path):
    path = write(tmp_path, " died , risk \n1,0.2\n0,0.4\n")
    p = read_predictions(path, outcome="died", score=" risk")
    assert p.columns == {"outcome": "died", "score": "risk"}


# --------------------------------------------------------------------------
# Dates and ids


def test_iso_dates_and_quarters(tmp_path):
    path = write(tmp_path, "died,risk,when\n1,0.2,2023Q2\n0,0.3,2023-q4\n"
                           "0,0.4,2024-02-29T13:45:00\n1,0.5,2022-12-31\n")
    p = read_predictions(path, outcome="died", score="risk", time="when")
    assert p.time.tolist() == [pd.Timestamp(2023, 4, 1), pd.Timestamp(2023, 10, 1),
                               pd.Timestamp(2024, 2, 29, 13, 45), pd.Timestamp(2022, 12, 31)]


def test_dates_that_are_not_iso_8601_are_an_error(tmp_path):
    path = write(tmp_path, "died,risk,when\n1,0.2,03/04/2023\n0,0.3,2023-01-01\n"
                           "1,0.4,03/04/2023\n")
    message = error(path, outcome="died", score="risk", time="when")
    assert "column 'when' holds values that are not ISO 8601 dates" in message
    assert "'03/04/2023' (lines 2 and 4)" in message


def test_placeholder_dates_are_an_error(tmp_path):
    path = write(tmp_path, "died,risk,when\n1,0.2,2023-01-01\n0,0.3,9999-12-31\n")
    message = error(path, outcome="died", score="risk", time="when")
    assert "column 'when'" in message and "line 3 ('9999-12-31')" in message


def test_duplicate_ids_are_an_error(tmp_path):
    rows = ["A17,1,0.2", "B2,0,0.3", "A17,0,0.4", "C5,1,0.5", "B2,1,0.6", "D1,0,0.1"]
    path = write(tmp_path, "patient_id,died,risk\n" + "\n".join(rows) + "\n")
    message = error(path, outcome="died", score="risk", id="patient_id")
    assert message.startswith(f"{path}: column 'patient_id': 2 ids appear more than once "
                              "('A17' on lines 2 and 4 and 'B2' on lines 3 and 6): the audit "
                              "expects one row per patient")
    assert "leave out the id column" in message


# --------------------------------------------------------------------------
# Column names


def test_duplicate_header_names_are_an_error(tmp_path):
    path = write(tmp_path, "died,risk,died\n1,0.2,1\n0,0.3,0\n")
    message = error(path, outcome="died", score="risk")
    assert "column 'died' appears more than once in the header (line 1, columns 1 and 3)" \
        in message


def test_a_column_named_for_two_roles_is_an_error(tmp_path):
    path = write(tmp_path, BASIC)
    message = error(path, outcome="died", score="risk", groups=["sex"], id="sex")
    assert "column 'sex' is given as both the group column and the id column" in message
    message = error(path, outcome="died", score="risk", groups=["sex", "sex"])
    assert "column 'sex' is given twice as a group column" in message


@pytest.mark.parametrize(("asked", "meant"), [("risk_score", "risk"), ("DIED", "died")])
def test_an_unknown_column_is_named_with_a_suggestion(tmp_path, asked, meant):
    path = write(tmp_path, BASIC)
    kwargs = {"outcome": "died", "score": "risk", "groups": [asked]}
    message = error(path, **kwargs)
    assert f"no column {asked!r} (the columns are 'id', 'died', 'risk', 'sex')" in message
    assert f"did you mean {meant!r}" in message


# --------------------------------------------------------------------------
# Files that cannot be read


def test_an_empty_file(tmp_path):
    assert "the file is empty" in error(write(tmp_path, ""), outcome="y", score="p")
    assert "the file is empty" in error(write(tmp_path, " \n\n"), outcome="y", score="p")


def test_a_header_without_rows(tmp_path):
    message = error(write(tmp_path, "died,risk\n\n"), outcome="died", score="risk")
    assert "has a header but no data rows" in message


def test_a_folder(tmp_path):
    assert "is a folder" in error(tmp_path, outcome="died", score="risk")


def test_a_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    assert error(path, outcome="died", score="risk") == f"{path}: file not found"
    with pytest.raises(FileNotFoundError):
        read_predictions(path, outcome="died", score="risk")


def test_a_corrupt_parquet_file(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    assert "not a readable Parquet file" in error(path, outcome="died", score="risk")


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "x.parquet"
    pd.DataFrame({"died": [0, 1], "risk": [0.1, 0.9]}).to_parquet(path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as on a learner's machine
    message = error(path, outcome="died", score="risk")
    assert "reading Parquet needs the pyarrow package" in message and "\n" not in message


def test_a_binary_file_as_text(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00 workbook")
    assert "not a text file (it looks like an Excel workbook" in error(path, outcome="d",
                                                                        score="r")


def test_arguments_of_the_wrong_type():
    frame = pd.DataFrame({"y": [1, 0], "p": [0.1, 0.2]})
    with pytest.raises(TypeError, match="groups must be a list"):
        read_predictions(frame, outcome="y", score="p", groups="sex")
    with pytest.raises(TypeError, match="outcome must be a column name"):
        read_predictions(frame, outcome=3, score="p")
    with pytest.raises(TypeError, match="must be a path"):
        read_predictions([[1, 0.1]], outcome="y", score="p")


# --------------------------------------------------------------------------
# DataFrames and Parquet


def test_a_dataframe_names_rows_by_position():
    frame = pd.DataFrame({"y": ["1", "0", "maybe"], "p": [0.1, 0.2, 0.3]}, index=[7, 8, 9])
    message = error(frame, outcome="y", score="p")
    assert "'maybe' (row 2)" in message
    p = read_predictions(frame.iloc[:2], outcome="y", score="p")
    assert p.lines.tolist() == [0, 1] and "Read from a DataFrame." in p.notes


def test_a_parquet_round_trip_with_typed_columns(tmp_path):
    frame = pd.DataFrame({
        "died": [True, False, True, False, None],
        "risk": [0.8, 0.15, np.nan, 0.4, 0.3],
        "stage": pd.array([3, 1, 2, None, 1], dtype="Int64"),
        "site": [1, 2, 1, 2, 1],
        "admitted": pd.to_datetime(["2023-01-02", "2023-04-05", None, "2023-07-08",
                                    "2023-09-09"]),
        "pid": [101, 102, 103, 104, 105],
    })
    path = tmp_path / "extract.parquet"
    frame.to_parquet(path, engine="pyarrow")
    p = read_predictions(path, outcome="died", score="risk", groups=["stage", "site"],
                         time="admitted", id="pid")
    kept = [0, 1, 3]  # row 2 has no score, row 4 no outcome
    assert p.outcome.tolist() == [1, 0, 0] and p.score.tolist() == [0.8, 0.15, 0.4]
    assert p.groups["stage"].tolist() == ["3", "1", MISSING]
    assert p.groups["site"].tolist() == ["1", "2", "2"]
    assert p.time.tolist() == frame["admitted"].iloc[kept].tolist()
    assert p.ids.tolist() == ["101", "102", "104"]
    assert p.lines.tolist() == kept and (p.n_read, p.n_excluded) == (5, 2)
    assert "Read as a Parquet file." in p.notes


# --------------------------------------------------------------------------
# Size


def test_200_000_rows_read_in_under_10_seconds(tmp_path):
    n = 200_000
    rng = np.random.default_rng(0)
    died = rng.integers(0, 2, n)
    risk = np.round(rng.random(n), 4)
    frame = pd.DataFrame({
        "patient_id": [f"P{i:07d}" for i in range(n)],
        "died": np.where(died == 1, "yes", "no"),
        "risk": risk,
        "sex": rng.choice(["F", "M"], n),
        "ethnicity": rng.choice(["A", "B", "C", "D"], n),
        "site": rng.choice(["North", "South"], n),
        "admitted": (pd.Timestamp(2022, 1, 1)
                     + pd.to_timedelta(rng.integers(0, 700, n), unit="D")).strftime("%Y-%m-%d"),
        "note": "x",
    })
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    start = time.perf_counter()
    p = read_predictions(path, outcome="died", score="risk", groups=["sex", "ethnicity", "site"],
                         time="admitted", id="patient_id")
    took = time.perf_counter() - start
    assert took < 10, f"read in {took:.1f} s"
    assert np.array_equal(p.outcome, died) and np.array_equal(p.score, risk)
    assert p.groups["site"].tolist() == frame["site"].tolist()
    assert p.n_read == n and p.n_excluded == 0
