from __future__ import annotations

import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.inputs.archive import UnsafeArchiveError, extract_safely
from humdial_eval.cli.main import main
from tests.conftest import Dataset


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            bundle.write(path, Path(folder.name) / path.relative_to(folder))
    return archive


def test_zipped_submission_validates_and_scores(dataset: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = zip_folder(dataset.submission, tmp_path / "team.zip")
    assert main(["validate", str(archive), "--testset", str(dataset.testset)]) == 0
    out = tmp_path / "out"
    assert main(["score", str(archive), "--testset", str(dataset.testset), "--out", str(out), "--bootstrap", "200"]) == 0
    assert (out / "summary.json").is_file()


@pytest.mark.parametrize("name", ["../evil.txt", "HD-Track1/../../evil.txt", "/abs/evil.txt", "C:/evil.txt"])
def test_entries_escaping_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("HD-Track1/en/ok.txt", "fine")
        bundle.writestr(zipfile.ZipInfo(name), "gotcha")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match="refused"):
        extract_safely(archive, dest)
    assert not list(dest.rglob("*")), "nothing may be written when an entry is refused"
    assert not (tmp_path / "evil.txt").exists()


def test_symlink_entries_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    info = zipfile.ZipInfo("HD-Track1/en/link.wav")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        extract_safely(archive, tmp_path / "dest")


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("HD-Track1/en/HD-Track1-T1.jsonl", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(UnsafeArchiveError, match="zip bomb"):
        extract_safely(archive, tmp_path / "dest")


def test_corrupt_entry_data_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("HD-Track1/en/a.txt", b"hello world, hello world")
    data = archive.read_bytes().replace(b"hello world, hello world", b"HELLO WORLD, hello world")
    archive.write_bytes(data)
    with pytest.raises(UnsafeArchiveError, match="corrupt"):
        extract_safely(archive, tmp_path / "dest")


def test_cli_reports_refused_zip_without_traceback(tmp_path: Path, dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "slip.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../../escape.txt", "x")
    assert main(["validate", str(archive), "--testset", str(dataset.testset)]) == 1
    err = capsys.readouterr().err
    assert "escape the extraction folder" in err and "Traceback" not in err


def test_not_a_zip_is_a_clear_error(tmp_path: Path, dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "fake.zip"
    archive.write_bytes(b"definitely not a zip")
    assert main(["validate", str(archive), "--testset", str(dataset.testset)]) == 1
    assert "not a readable zip" in capsys.readouterr().err


def test_many_small_entries_cannot_add_up_to_a_bomb(tmp_path: Path) -> None:
    """Each entry stays under the 1 MiB ratio threshold; the archive-wide ratio of real bytes catches them."""
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for index in range(100):
            bundle.writestr(f"HD-Track1/en/pad{index}.bin", b"\0" * (1000 * 1024))
    with pytest.raises(UnsafeArchiveError, match="zip bomb") as refused:
        extract_safely(archive, tmp_path / "dest")
    assert refused.value.code == "zip_bomb"


def test_an_honest_archive_extracts_byte_for_byte(tmp_path: Path) -> None:
    archive = tmp_path / "ok.zip"
    payload = {"HD-Track1/en/a.jsonl": b'{"x": 1}\n' * 1000, "HD-Track1/en/b.bin": bytes(range(256)) * 5000,
               "HD-Track1/en/empty.txt": b"", "HD-Track1/zh/": b""}
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, data in payload.items():
            bundle.writestr(name, data, compress_type=zipfile.ZIP_STORED if name.endswith(".bin") else zipfile.ZIP_DEFLATED)
    dest = tmp_path / "dest"
    dest.mkdir()
    extract_safely(archive, dest)
    for name, data in payload.items():
        if name.endswith("/"):
            assert (dest / name).is_dir()
        else:
            assert (dest / name).read_bytes() == data


def test_a_data_descriptor_archive_is_accepted(tmp_path: Path) -> None:
    """Streaming writers put the sizes after the data (flag bit 3); the central directory still has them."""
    archive = tmp_path / "streamed.zip"
    with archive.open("wb") as raw, zipfile.ZipFile(_Unseekable(raw), "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("HD-Track1/en/a.jsonl", b"hello\n" * 100)
    assert zipfile.ZipFile(archive).infolist()[0].flag_bits & 0x08
    dest = tmp_path / "dest"
    dest.mkdir()
    extract_safely(archive, dest)
    assert (dest / "HD-Track1" / "en" / "a.jsonl").read_bytes() == b"hello\n" * 100


class _Unseekable:
    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def write(self, data: bytes) -> int:
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    def tell(self) -> int:
        raise OSError("unseekable")
