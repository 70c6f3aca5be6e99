"""Judge profiles read from YAML written by users: clear errors, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from humdial_eval.engine.profiles import ProfileError, load_profiles


@pytest.mark.parametrize("text, shown", [
    ("backend: offline-rubric\n1: x\n", "key 1 is not a string"),
    ("backend: offline-rubric\ntrue: x\n", "key True is not a string"),
    ("backend: offline-rubric\n~: x\n", "key None is not a string"),
    ("backend: offline-rubric\nextra_body:\n  headers:\n    2: x\n", "key 2 under 'extra_body.headers' is not a string"),
    ("backend: offline-rubric\nlist:\n  - {3: x}\n", "key 3 under 'list[0]' is not a string"),
    ("? [a, b]\n: 1\nbackend: x\n", "not valid YAML"),
])
def test_keys_that_are_not_strings_are_a_clear_error(tmp_path: Path, text: str, shown: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError, match="p.yaml") as refused:
        load_profiles(str(path))
    assert shown in str(refused.value) and "\n" not in str(refused.value)


def test_the_cli_says_which_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("backend: offline-rubric\n1: x\n")
    code = main(["score", str(tmp_path / "none"), "--testset", str(tmp_path / "testset"), "--out", str(tmp_path / "out"),
                 "--judge", str(path)])
    err = capsys.readouterr().err
    assert code == 1 and "key 1 is not a string" in err and "internal error" not in err


def test_anchors_are_walked_once(tmp_path: Path) -> None:
    """A 'billion laughs' profile shares its subtrees; checking the keys must not expand them."""
    lines = ["backend: offline-rubric", "a0: &a0 {k: v}"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert load_profiles(str(path))[0].backend == "offline-rubric"


def test_secret_search_and_redaction_walk_shared_subtrees_once() -> None:
    """The secret check and the redaction of judge identities see the profile's anchors as shared, not expanded."""
    from humdial_eval.engine.credentials import find_secret, redact

    leaf: dict[str, object] = {"k": "v"}
    tree: object = leaf
    for _ in range(40):  # 2**40 paths if expanded
        tree = [tree, tree]
    assert find_secret({"extra_body": tree}) is None
    copy = redact({"extra_body": tree, "headers": {"Authorization": "Bearer abcdefgh12345"}})
    assert copy["headers"]["Authorization"] == "[redacted]" and copy["extra_body"][0] is copy["extra_body"][1]
