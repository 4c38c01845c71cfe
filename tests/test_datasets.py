"""labkit.datasets: loading, checksums, schema validation, speed, reproducibility."""

import csv
import hashlib
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from labkit import datasets

ROOT = Path(__file__).resolve().parents[1]
WDBC = datasets.card("wdbc").file


def reseal(folder: Path, name: str, text: str) -> None:
    """Write ``text`` as dataset ``name`` and update SHA256SUMS to match it,
    as a maintainer who regenerated a bad file would, so only the schema check
    stands between the bad file and a learner."""
    (folder / name).write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    sums = folder / "SHA256SUMS"
    # In place, so the file's version comment stays directly above its checksum line.
    line = f"{digest}  {name}"
    lines = [line if ln.endswith(f"  {name}") else ln for ln in sums.read_text().splitlines()]
    sums.write_text("\n".join(lines if line in lines else lines + [line]) + "\n")


def rows(folder: Path) -> list[list[str]]:
    with (folder / WDBC).open(newline="") as fh:
        return list(csv.reader(fh))


def as_text(table: list[list[str]]) -> str:
    # Quoted as the CSV module quotes (only fields holding a comma or a quote), so a
    # text column such as a chatbot's answer survives the round trip.
    return "".join(",".join(f'"{v.replace(chr(34), chr(34) * 2)}"' if ("," in v or '"' in v)
                            else v for v in r) + "\n" for r in table)


def test_wdbc_matches_the_published_class_counts():
    # UCI documents 357 benign and 212 malignant of 569 (known answer, not our output).
    df = datasets.load_wdbc()
    assert df.shape == (569, 31)
    assert df["diagnosis"].value_counts().to_dict() == {"benign": 357, "malignant": 212}
    assert df.attrs["dataset"] == "wdbc" and datasets.card(df.attrs["dataset"]).name == "wdbc"


def test_loads_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert len(datasets.load("wdbc")) == 569


def test_each_dataset_loads_in_under_a_second():
    for name in datasets.CARDS:
        start = time.perf_counter()
        datasets.load(name)
        assert time.perf_counter() - start < 1.0, name


def test_missing_file(data_copy):
    (data_copy / WDBC).unlink()
    with pytest.raises(FileNotFoundError, match=f"{WDBC}: dataset file not found"):
        datasets.load("wdbc", folder=data_copy)


def test_truncated_file(data_copy):
    path = data_copy / WDBC
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(ValueError, match=f"{WDBC}: SHA-256 does not match"):
        datasets.load("wdbc", folder=data_copy)


def test_one_changed_byte(data_copy):
    path = data_copy / WDBC
    data = bytearray(path.read_bytes())
    i = data.index(b"17.99")
    data[i] = ord("7")  # 17.99 -> 77.99
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256 does not match"):
        datasets.load("wdbc", folder=data_copy)


def test_missing_checksum_entry(data_copy):
    (data_copy / "SHA256SUMS").write_text("")
    with pytest.raises(ValueError, match=f"has no checksum for {WDBC}"):
        datasets.load("wdbc", folder=data_copy)


def test_malformed_checksum_line(data_copy):
    (data_copy / "SHA256SUMS").write_text("not-a-hash\n")
    with pytest.raises(ValueError, match="SHA256SUMS: line 1 is not"):
        datasets.load("wdbc", folder=data_copy)


def test_missing_column(data_copy):
    table = [r[:5] + r[6:] for r in rows(data_copy)]  # drop area_mean
    reseal(data_copy, WDBC, as_text(table))
    with pytest.raises(ValueError, match=f"{WDBC}: missing column 'smoothness_mean'"):
        datasets.load("wdbc", folder=data_copy)


def test_renamed_column(data_copy):
    table = rows(data_copy)
    table[0][1] = "radius"
    reseal(data_copy, WDBC, as_text(table))
    with pytest.raises(ValueError, match="missing column 'radius_mean'"):
        datasets.load("wdbc", folder=data_copy)


def test_wrong_type(data_copy):
    table = rows(data_copy)
    table[3][2] = "high"  # texture_mean on file line 4
    reseal(data_copy, WDBC, as_text(table))
    message = "column 'texture_mean' should be numeric but line 4 holds 'high'"
    with pytest.raises(ValueError, match=message):
        datasets.load("wdbc", folder=data_copy)


def test_out_of_range_value(data_copy):
    table = rows(data_copy)
    table[10][1] = "-3.5"  # a negative radius on line 11
    reseal(data_copy, WDBC, as_text(table))
    with pytest.raises(ValueError, match=r"column 'radius_mean' value -3.5 at line 11 is outside"):
        datasets.load("wdbc", folder=data_copy)


def test_value_not_allowed(data_copy):
    table = rows(data_copy)
    table[7][0] = "M"
    reseal(data_copy, WDBC, as_text(table))
    with pytest.raises(ValueError, match=r"column 'diagnosis' value 'M' at line 8 is not one of"):
        datasets.load("wdbc", folder=data_copy)


def test_missing_value(data_copy):
    table = rows(data_copy)
    table[5][4] = ""
    reseal(data_copy, WDBC, as_text(table))
    with pytest.raises(ValueError, match="column 'area_mean' has a missing value at line 6"):
        datasets.load("wdbc", folder=data_copy)


def test_wrong_row_count(data_copy):
    reseal(data_copy, WDBC, as_text(rows(data_copy)[:-1]))
    with pytest.raises(ValueError, match="has 568 rows, expected 569"):
        datasets.load("wdbc", folder=data_copy)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'mimic'"):
        datasets.load("mimic")


def test_env_var_points_loaders_elsewhere(data_copy, monkeypatch):
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(data_copy))
    (data_copy / WDBC).unlink()
    with pytest.raises(FileNotFoundError, match=str(data_copy)):
        datasets.load("wdbc")


def test_generator_reproduces_committed_bytes(tmp_path):
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        subprocess.run([sys.executable, str(ROOT / "datasets" / "generate.py"), str(out)],
                       check=True, capture_output=True)
        for path in out.iterdir():
            assert path.read_bytes() == (ROOT / "datasets" / path.name).read_bytes(), path.name


def test_every_csv_has_a_card_a_datasheet_and_a_checksum():
    sums = (ROOT / "datasets" / "SHA256SUMS").read_text()
    csvs = sorted(p.name for p in (ROOT / "datasets").glob("*.csv"))
    assert csvs == sorted(c.file for c in datasets.CARDS.values())
    for spec in datasets.CARDS.values():
        assert (ROOT / "datasets" / spec.datasheet).is_file(), spec.datasheet
        assert spec.file in sums
        assert ("synthetic" in spec.file) == spec.synthetic


def test_card_renders_its_limitations():
    text = datasets.card("wdbc")._repr_markdown_()
    assert "Real, de-identified data" in text and "CC BY 4.0" in text
    assert "Limitations" in text


# The same bad inputs against every dataset's loader, driven by its schema.
NAMES = sorted(datasets.CARDS)


def numeric_column(spec: datasets.DatasetCard) -> tuple[int, datasets.Column]:
    return next((i, c) for i, c in enumerate(spec.columns)
                if c.kind in ("int", "float") and c.max is not None and not c.nullable)


@pytest.mark.parametrize("name", NAMES)
def test_every_loader_rejects_a_changed_byte(name, data_copy):
    path = data_copy / datasets.card(name).file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"{path.name}: SHA-256 does not match"):
        datasets.load(name, folder=data_copy)


@pytest.mark.parametrize("name", NAMES)
def test_every_loader_rejects_a_missing_file(name, data_copy):
    (data_copy / datasets.card(name).file).unlink()
    with pytest.raises(FileNotFoundError, match="dataset file not found"):
        datasets.load(name, folder=data_copy)


@pytest.mark.parametrize("name", NAMES)
def test_every_loader_rejects_a_dropped_last_column(name, data_copy):
    spec = datasets.card(name)
    with (data_copy / spec.file).open(newline="") as fh:
        table = [r[:-1] for r in csv.reader(fh)]
    reseal(data_copy, spec.file, as_text(table))
    with pytest.raises(ValueError, match=f"missing column {spec.columns[-1].name!r}"):
        datasets.load(name, folder=data_copy)


@pytest.mark.parametrize("name", NAMES)
def test_every_loader_rejects_wrong_type_and_range(name, data_copy):
    spec = datasets.card(name)
    i, col = numeric_column(spec)
    with (data_copy / spec.file).open(newline="") as fh:
        table = list(csv.reader(fh))
    table[2][i] = "abc"
    reseal(data_copy, spec.file, as_text(table))
    with pytest.raises(ValueError, match=f"column {col.name!r} should be numeric but line 3"):
        datasets.load(name, folder=data_copy)
    table[2][i] = str(col.max * 10 + 1)
    reseal(data_copy, spec.file, as_text(table))
    with pytest.raises(ValueError, match=f"column {col.name!r} value .* at line 3 is outside"):
        datasets.load(name, folder=data_copy)


def test_whole_number_columns_reject_fractions(data_copy):
    spec = datasets.card("admissions")
    with (data_copy / spec.file).open(newline="") as fh:
        table = list(csv.reader(fh))
    table[4][table[0].index("age")] = "54.5"
    reseal(data_copy, spec.file, as_text(table))
    with pytest.raises(ValueError, match="column 'age' value 54.5 at line 5 should be a whole"):
        datasets.load("admissions", folder=data_copy)


def test_admissions_types_after_loading():
    df = datasets.load_admissions()
    assert str(df["readmitted_30d"].dtype) == "Int64"
    assert df["age"].dtype == "int64"
    assert isinstance(df["payer"].dtype, pd.CategoricalDtype)


# --- Files a maintainer could produce by mistake: each error names the file -------------


def test_empty_file(data_copy):
    reseal(data_copy, WDBC, "")
    with pytest.raises(ValueError, match=f"{WDBC}: file is empty"):
        datasets.load("wdbc", folder=data_copy)


def test_blank_lines_only(data_copy):
    reseal(data_copy, WDBC, "\n\n\n")
    with pytest.raises(ValueError, match=f"{WDBC}: file is empty"):
        datasets.load("wdbc", folder=data_copy)


def test_header_only(data_copy):
    reseal(data_copy, WDBC, as_text(rows(data_copy)[:1]))
    with pytest.raises(ValueError, match=f"{WDBC}: has a header but no data rows; expected 569"):
        datasets.load("wdbc", folder=data_copy)


def test_duplicated_column(data_copy):
    table = rows(data_copy)
    table[0][2] = table[0][1]  # texture_mean renamed radius_mean
    reseal(data_copy, WDBC, as_text(table))
    with pytest.raises(ValueError, match="column 'radius_mean' appears more than once"):
        datasets.load("wdbc", folder=data_copy)


def test_blank_column_name(data_copy):
    table = rows(data_copy)
    table[0][3] = ""
    reseal(data_copy, WDBC, as_text(table))
    with pytest.raises(ValueError, match=f"{WDBC}: column 4 of the header has no name"):
        datasets.load("wdbc", folder=data_copy)


def test_infinite_value_in_a_column_without_an_upper_bound(data_copy):
    spec = datasets.card("admissions")
    with (data_copy / spec.file).open(newline="") as fh:
        table = list(csv.reader(fh))
    table[6][0] = "inf"  # admission_id has a minimum but no maximum
    reseal(data_copy, spec.file, as_text(table))
    with pytest.raises(ValueError, match="column 'admission_id' value inf at line 7 is not a "
                                         "finite number"):
        datasets.load("admissions", folder=data_copy)


def test_ragged_row(data_copy):
    table = rows(data_copy)
    table[4] = table[4] + ["1.0"]
    reseal(data_copy, WDBC, as_text(table))
    with pytest.raises(ValueError, match=f"{WDBC}: not a readable CSV"):
        datasets.load("wdbc", folder=data_copy)


def test_checksum_that_is_not_hexadecimal(data_copy):
    (data_copy / "SHA256SUMS").write_text("z" * 64 + f"  {WDBC}\n")
    with pytest.raises(ValueError, match="SHA256SUMS: line 1 is not"):
        datasets.load("wdbc", folder=data_copy)


def test_two_different_checksums_for_one_file(data_copy):
    sums = data_copy / "SHA256SUMS"
    sums.write_text(sums.read_text() + "0" * 64 + f"  {WDBC}\n")
    with pytest.raises(ValueError, match=f"second, different checksum for {WDBC}"):
        datasets.load("wdbc", folder=data_copy)


def test_dataset_path_is_a_folder(data_copy):
    (data_copy / WDBC).unlink()
    (data_copy / WDBC).mkdir()
    with pytest.raises(ValueError, match=f"{WDBC}: is a folder, not the dataset file"):
        datasets.load("wdbc", folder=data_copy)


def test_env_var_pointing_nowhere_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path / "gone"))
    with pytest.raises(FileNotFoundError, match=r"gone: data folder not found \(from "
                                                r"\$LABKIT_DATA_DIR\)"):
        datasets.load_wdbc()


def test_folder_as_a_string(data_copy):
    assert len(datasets.load("wdbc", folder=str(data_copy))) == 569


# --- The vendor predictions (synthetic_predictions.csv): a date column and patient codes ---

PREDICTIONS = datasets.card("predictions").file


def predictions_table(folder: Path) -> list[list[str]]:
    with (folder / PREDICTIONS).open(newline="") as fh:
        return list(csv.reader(fh))


def test_predictions_types_after_loading():
    df = datasets.load_predictions()
    assert df.attrs["dataset"] == "predictions"
    assert str(df["admission_date"].dtype).startswith("datetime64")
    assert df["readmitted_30d"].dtype == "int64"
    assert df["predicted_risk"].dtype == "float64"
    for col in ("patient_id", "age_band", "sex", "race_ethnicity", "payer"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert df["patient_id"].notna().all() and df["patient_id"].is_unique


def test_predictions_card_matches_the_code_it_describes():
    from labkit import audit, synthetic

    cols = {c.name: c for c in datasets.card("predictions").columns}
    assert list(cols) == list(synthetic.PREDICTION_COLUMNS)
    assert cols["age_band"].allowed == audit.AGE_LABELS
    assert cols["race_ethnicity"].allowed == synthetic.RACES
    assert cols["payer"].allowed == synthetic.PAYERS
    n = synthetic.Parameters().n_patients
    assert cols["patient_id"].allowed[0] == "P000001"
    assert cols["patient_id"].allowed[-1] == f"P{n:06d}" and len(cols["patient_id"].allowed) == n


@pytest.mark.parametrize("row,col,value,message", [
    (3, 1, "2021-02-30", rf"{PREDICTIONS}: column 'admission_date' should be a date "
                         r"\(YYYY-MM-DD\) but line 4 holds '2021-02-30'"),
    (5, 1, "03/04/2021", "column 'admission_date' should be a date .* line 6 holds "
                         "'03/04/2021'"),
    (2, 1, "2031-01-05", "column 'admission_date' value '2031-01-05' at line 3 is outside "
                         "the years 2019-2024"),
    (7, 1, "", "column 'admission_date' has a missing value at line 8"),
    (9, 0, "MRN4411", r"column 'patient_id' value 'MRN4411' at line 10 is not one of "
                      r"'P000001', 'P000002', \.\.\. 'P016000' \(16,000 values\)$"),
    # a percentage where a probability belongs
    (4, 7, "17.5", r"column 'predicted_risk' value 17.5 at line 5 is outside \[0, 1\]"),
], ids=["impossible date", "another date format", "date outside the years", "missing date",
        "not a synthetic patient code", "risk above one"])
def test_predictions_bad_cell_is_named(data_copy, row, col, value, message):
    table = predictions_table(data_copy)
    table[row][col] = value
    reseal(data_copy, PREDICTIONS, as_text(table))
    with pytest.raises(ValueError, match=message):
        datasets.load("predictions", folder=data_copy)


# --- The FICTIONAL vendor's model (vendor_readmission_model.skops): a file, not a table ---


def test_vendor_model_has_a_datasheet_and_a_checksum_but_no_card():
    sums = (ROOT / "datasets" / "SHA256SUMS").read_text()
    assert f"  {datasets.VENDOR_MODEL}\n" in sums
    assert (ROOT / "datasets" / "vendor_readmission_model.md").is_file()
    assert (ROOT / "datasets" / "vendor_marketing_sheet.md").is_file()
    assert datasets.VENDOR_MODEL not in {c.file for c in datasets.CARDS.values()}
    for sheet in ("vendor_readmission_model.md", "vendor_marketing_sheet.md"):
        text = (ROOT / "datasets" / sheet).read_text()
        assert "FICTIONAL" in text[:400] and "SYNTHETIC" in text[:400], sheet


def test_vendor_model_loads_only_with_exactly_the_listed_types():
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    path = datasets.vendor_model_path()
    listed = datasets.vendor_model_documented_types()
    assert listed and sorted(sio.get_untrusted_types(file=path)) == sorted(listed)
    with pytest.raises(UntrustedTypesFoundException):
        sio.load(path)  # trusted=None: skops's defaults only
    for i in range(len(listed)):  # each listed type is needed
        with pytest.raises(UntrustedTypesFoundException):
            sio.load(path, trusted=listed[:i] + listed[i + 1:])
    model = sio.load(path, trusted=listed)
    rows = datasets.load_admissions().head(50)[list(model.feature_names_in_)]
    assert model.predict_proba(rows).shape == (50, 2)
    assert path.read_bytes()[:2] == b"PK"  # a skops zip, not a pickle


def test_vendor_model_path_checks_the_checksum(data_copy):
    path = data_copy / datasets.VENDOR_MODEL
    assert datasets.vendor_model_path(folder=data_copy) == path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"{datasets.VENDOR_MODEL}: SHA-256 does not match"):
        datasets.vendor_model_path(folder=data_copy)
    path.unlink()
    with pytest.raises(FileNotFoundError, match="model file not found"):
        datasets.vendor_model_path(folder=data_copy)


def test_vendor_model_bytes_do_not_depend_on_object_addresses_or_time():
    import copy
    import io
    import zipfile

    from labkit import synthetic

    model = synthetic.vendor_model()
    first = synthetic.vendor_model_bytes(model)
    # A copy has every object at another address, and is written a moment later.
    assert synthetic.vendor_model_bytes(copy.deepcopy(model)) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert first == (ROOT / "datasets" / datasets.VENDOR_MODEL).read_bytes()


# --- SHA256SUMS's version comments: '# <file> version X.Y.Z' directly above the checksum ---

SUMS = ROOT / "datasets" / "SHA256SUMS"


def checksum_lines() -> list[str]:
    return [ln for ln in SUMS.read_text().splitlines() if ln and not ln.startswith("#")]


def test_every_checksum_has_its_version_comment_directly_above_it():
    lines = SUMS.read_text().splitlines()
    names = [ln.split()[1] for ln in checksum_lines()]
    assert len(names) == 8 and datasets.VENDOR_MODEL in names
    for name in names:
        i = next(i for i, ln in enumerate(lines) if ln.endswith(f"  {name}"))
        assert i > 0 and lines[i - 1].startswith(f"# {name} version "), name
    found = datasets.versions()
    assert sorted(found) == sorted(names)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in found.values()), found
    folder = ROOT / "datasets"
    assert datasets.versions(folder) == found == datasets.versions(str(folder))


def test_sha256sum_accepts_the_list_with_its_comments():
    """GNU sha256sum skips '#' lines even with --strict, so the standard tool checks the
    files as the loaders do."""
    tool = shutil.which("sha256sum")
    if tool is None:
        pytest.skip("sha256sum (GNU coreutils) is not installed")
    result = subprocess.run([tool, "-c", "--strict", "SHA256SUMS"], cwd=ROOT / "datasets",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(checksum_lines())


def with_sums(folder: Path, transform) -> Path:
    """Rewrite the copy's SHA256SUMS as ``transform(list of lines)`` gives it."""
    sums = folder / "SHA256SUMS"
    sums.write_text("\n".join(transform(sums.read_text().splitlines())) + "\n")
    return sums


def wdbc_comment_index(lines: list[str]) -> int:
    return lines.index(f"# {WDBC} version 1.0.0")


@pytest.mark.parametrize("comment", [
    f"# {WDBC} version 1.0",
    f"# {WDBC} version v1.0.0",
    f"# {WDBC} version 01.0.0",
    f"# {WDBC} version 1.0.0-rc1",
    f"#{WDBC} version 1.0.0",
    f"# {WDBC}  version 1.0.0",
    f"# {WDBC} 1.0.0",
    "# generated by hand",
    "#",
], ids=["two parts", "v prefix", "leading zero", "pre-release", "no space after #",
        "two spaces", "no word version", "another comment", "bare #"])
def test_a_malformed_version_comment_is_refused_naming_its_line(data_copy, comment):
    def swap(lines):
        lines[wdbc_comment_index(lines)] = comment
        return lines

    sums = with_sums(data_copy, swap)
    number = sums.read_text().splitlines().index(comment) + 1
    message = (rf"^{re.escape(str(sums))}: line {number} is not a version comment "
               r"'# <file> version <MAJOR>\.<MINOR>\.<PATCH>' \(no other comment is allowed\)")
    for call in (lambda: datasets.load("admissions", folder=data_copy),
                 lambda: datasets.versions(data_copy),
                 lambda: datasets.vendor_model_path(folder=data_copy)):
        with pytest.raises(ValueError, match=message) as info:
            call()
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("change", ["above another file", "at the end", "blank line between",
                                    "two comments"])
def test_a_version_comment_must_sit_directly_above_its_files_checksum(data_copy, change):
    def move(lines):
        i = wdbc_comment_index(lines)
        comment = lines.pop(i)
        if change == "above another file":
            lines.insert(0, f"# {WDBC} version 1.0.0")
            del lines[1]  # prepost's own comment: the wdbc comment now sits above its line
        elif change == "at the end":
            lines.append(comment)
        elif change == "blank line between":
            lines[i:i] = [comment, ""]
        else:
            lines[i:i] = [comment, comment]
        return lines

    sums = with_sums(data_copy, move)
    number = sums.read_text().splitlines().index(f"# {WDBC} version 1.0.0") + 1
    with pytest.raises(ValueError, match=rf"SHA256SUMS: line {number}: the version comment for "
                                         rf"{re.escape(WDBC)} is not directly above the "
                                         rf"checksum line of {re.escape(WDBC)}$"):
        datasets.load("wdbc", folder=data_copy)


def test_a_checksum_without_a_version_loads_but_has_no_version(data_copy):
    """The loaders check bytes, which an older SHA256SUMS (no comments) still gives; the
    version is then unknown, and versions() says which line lacks it."""
    sums = with_sums(data_copy, lambda lines: [ln for ln in lines if f"# {WDBC} " not in ln])
    assert len(datasets.load("wdbc", folder=data_copy)) == 569
    number = next(i for i, ln in enumerate(sums.read_text().splitlines(), 1)
                  if ln.endswith(WDBC))
    with pytest.raises(ValueError, match=rf"SHA256SUMS: line {number}: the checksum of "
                                         rf"{re.escape(WDBC)} has no version comment"):
        datasets.versions(data_copy)
    with_sums(data_copy, lambda lines: [ln for ln in lines if not ln.startswith("#")])
    assert len(datasets.load("wdbc", folder=data_copy)) == 569


def test_two_different_versions_for_one_file(data_copy):
    def repeat(lines):
        i = wdbc_comment_index(lines)
        return lines + [f"# {WDBC} version 1.1.0", lines[i + 1]]

    sums = with_sums(data_copy, repeat)
    number = len(sums.read_text().splitlines()) - 1
    with pytest.raises(ValueError, match=f"line {number} gives a second, different version "
                                         f"for {WDBC}"):
        datasets.versions(data_copy)


def test_versions_names_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="gone: data folder not found"):
        datasets.versions(tmp_path / "gone")
    with pytest.raises(FileNotFoundError, match="SHA256SUMS: checksum list not found"):
        datasets.versions(tmp_path)
