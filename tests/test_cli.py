"""labkit command line: a clear one-line error and exit status 2 on bad input."""

import subprocess
import sys


def labkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labkit", *args], capture_output=True, text=True)


def test_verify_all_ok():
    proc = labkit("verify")
    assert proc.returncode == 0
    assert "ok  wdbc  569 rows" in proc.stdout


def test_info_prints_the_card():
    proc = labkit("info", "wdbc")
    assert proc.returncode == 0 and "CC BY 4.0" in proc.stdout


def test_missing_file_is_one_line_exit_2(data_copy):
    (data_copy / "wdbc_breast_cytology.csv").unlink()
    proc = labkit("--data-dir", str(data_copy), "verify")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "wdbc_breast_cytology.csv: dataset file not found" in lines[0]
    assert "Traceback" not in proc.stderr


def test_corrupt_file_is_one_line_exit_2(data_copy):
    path = data_copy / "wdbc_breast_cytology.csv"
    path.write_bytes(path.read_bytes()[:-10])
    proc = labkit("--data-dir", str(data_copy), "verify", "wdbc")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "SHA-256 does not match" in proc.stderr


def test_unknown_dataset_exit_2():
    proc = labkit("info", "nope")
    assert proc.returncode == 2 and "unknown dataset 'nope'" in proc.stderr
