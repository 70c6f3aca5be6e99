"""``humdial-eval generate`` against a scripted audio model on 127.0.0.1: layout, history, faults, failures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import soundfile

from humdial_eval.cli.main import main
from tests.conftest import read_jsonl
from tests.models.audio_server import REPLY_SECONDS, AudioModelServer, Fault
from tests.models.conftest import GoldSet, label_testset, write_profile

REPO = Path(__file__).resolve().parents[2]


def _generate(profile: Path, goldset: GoldSet | Path, out: Path, *extra: str) -> int:
    testset = goldset.path if isinstance(goldset, GoldSet) else goldset
    return main(["generate", "--model", str(profile), "--testset", str(testset), "--out", str(out),
                 "--no-progress", *extra])


def test_a_generated_submission_validates_and_scores(tmp_path: Path, goldset: GoldSet, server: AudioModelServer) -> None:
    profile = write_profile(tmp_path / "model.yaml", server.url)
    out = tmp_path / "out"
    assert _generate(profile, goldset, out) == 0
    assert main(["validate", str(out), "--testset", str(goldset.path)]) == 0
    for language in ("en", "zh"):
        for dialogue in read_jsonl(out / "HD-Track1" / language / "HD-Track1-T3.jsonl"):
            for turn in dialogue["turns"]:
                assert turn["response_text"] == server.reply_text(f"{dialogue['dialogue_id']}:{turn['turn_id']}")
                wav = out / "HD-Track1" / language / turn["response_audio"]
                info = soundfile.info(str(wav))  # the server spoke at 24 kHz
                assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
                assert abs(info.frames / 16000 - REPLY_SECONDS) < 0.01
        for task in ("T1", "T2"):  # only the task whose voice is judged asks for speech
            assert all("response_audio" not in t for d in read_jsonl(out / "HD-Track1" / language / f"HD-Track1-{task}.jsonl")
                       for t in d["turns"])
    scores = tmp_path / "scores"
    assert main(["score", str(out), "--testset", str(goldset.path), "--out", str(scores), "--no-cache",
                 "--bootstrap", "100", "--no-progress"]) == 0
    summary = json.loads((scores / "summary.json").read_text())
    assert summary["counts"]["items"] == 6 and summary["counts"]["missing_response"] == 0
    assert summary["validation"]["errors"] == 0


def test_each_turn_is_asked_in_order_with_the_audio_and_replies_before_it(
    tmp_path: Path, goldset: GoldSet, server: AudioModelServer
) -> None:
    (tmp_path / "system.txt").write_text("Be kind.", encoding="utf-8")
    profile = write_profile(tmp_path / "model.yaml", server.url, system_prompt_file="system.txt")
    assert _generate(profile, goldset, tmp_path / "out") == 0
    seen: dict[str, list[int]] = {}
    for request in server.requests:
        labels = [server.label(audio) for audio in request.user_audio()]
        dialogue_id, turn = labels[-1].rsplit(":", 1)
        expected = goldset.dialogues[dialogue_id]
        assert labels == expected[: int(turn)]  # every earlier user turn, as its own audio, in order
        assert request.assistant_texts() == [server.reply_text(label) for label in expected[: int(turn) - 1]]
        assert request.messages[0] == {"role": "system", "content": "Be kind."}
        roles = [m["role"] for m in request.messages[1:]]
        assert roles == ["user", "assistant"] * (int(turn) - 1) + ["user"]
        speaks = "_t3_" in dialogue_id
        assert (request.body.get("modalities") == ["text", "audio"]) == speaks
        assert request.body["temperature"] == 0.7
        seen.setdefault(dialogue_id, []).append(int(turn))
    assert seen == {d: list(range(1, len(labels) + 1)) for d, labels in goldset.dialogues.items()}


def test_text_and_audio_plus_text_inputs(tmp_path: Path, goldset: GoldSet, server: AudioModelServer) -> None:
    profile = write_profile(tmp_path / "text.yaml", server.url, input="text", output_audio=False)
    assert _generate(profile, goldset, tmp_path / "text", "--tasks", "T1", "--languages", "en") == 0
    assert all(isinstance(m["content"], str) for r in server.requests for m in r.messages)
    assert "modalities" not in server.requests[0].body
    assert server.requests[-1].messages[-1]["content"] == "Can you sum up how my feelings changed today?"
    server.requests.clear()
    profile = write_profile(tmp_path / "both.yaml", server.url, input="audio+text")
    assert _generate(profile, goldset, tmp_path / "both", "--tasks", "T2", "--languages", "zh") == 0
    last = server.requests[-1].messages[-1]["content"]
    assert [part["type"] for part in last] == ["input_audio", "text"] and last[1]["text"] == "我为什么会这么难受？"
    server.requests.clear()
    profile = write_profile(tmp_path / "url.yaml", server.url, audio_part="audio_url")
    assert _generate(profile, goldset, tmp_path / "url", "--tasks", "T2", "--languages", "en") == 0
    part = server.requests[0].messages[-1]["content"][0]
    assert part["type"] == "audio_url" and part["audio_url"]["url"].startswith("data:audio/wav;base64,UklGR")


def test_rate_limits_server_errors_hangs_and_broken_audio_are_survived_or_reported_per_turn(
    tmp_path: Path, goldset: GoldSet, server: AudioModelServer, capsys
) -> None:
    def fault(label: str, attempt: int) -> Fault | None:
        if label == "en_t1_a:2" and attempt == 1:
            return Fault(status=429, headers={"Retry-After": "0"})
        if label == "en_t2_a:2" and attempt <= 2:
            return Fault(status=503)
        if label == "zh_t1_a:1" and attempt == 1:
            return Fault(delay=3.0)  # past the profile's 1 s request_timeout
        if label == "en_t3_a:3" and attempt == 1:
            return Fault(audio=b"RIFF\x10\x00\x00\x00WAVEjunk")
        if label == "zh_t3_a:3":  # the evaluated T3 turn: broken audio every time
            return Fault(audio=b"not audio at all")
        if label == "en_t2_a:3":  # a request the server will never accept
            return Fault(status=400)
        if label == "zh_t2_a:1" and attempt == 1:
            return Fault(close=True)
        return None

    server.fault = fault
    profile = write_profile(tmp_path / "model.yaml", server.url, request_timeout=1, max_retries=2)
    out = tmp_path / "out"
    assert _generate(profile, goldset, out) == 0
    err = capsys.readouterr().err
    assert "2 failed" in err and "zh_t3_a turn 3" in err and "HTTP 400" in err
    report = json.loads((out / "generation" / "generation.json").read_text())
    failures = {(f["dialogue_id"], f["turn_id"]): f for f in report["failures"]}
    assert set(failures) == {("zh_t3_a", 3), ("en_t2_a", 3)}
    assert "not a readable audio file" in failures[("zh_t3_a", 3)]["error"] and failures[("zh_t3_a", 3)]["requests"] == 3
    assert failures[("en_t2_a", 3)]["requests"] == 1  # a 400 is not retried
    assert server.asked["en_t1_a:2"] == 2 and server.asked["en_t2_a:2"] == 3 and server.asked["zh_t1_a:1"] == 2
    assert server.asked["en_t3_a:3"] == 2 and server.asked["zh_t2_a:1"] == 2
    zh_t3 = {t["turn_id"]: t for t in read_jsonl(out / "HD-Track1" / "zh" / "HD-Track1-T3.jsonl")[0]["turns"]}
    assert zh_t3[3]["response_text"] == "" and "response_audio" not in zh_t3[3]  # left empty, not invented
    assert not (out / "HD-Track1" / "zh" / "HD-Track1-T3" / "zh_t3_a_3_response.wav").exists()
    # validation reports what is missing
    assert main(["validate", str(out), "--testset", str(goldset.path), "--json"]) == 1
    issues = json.loads(capsys.readouterr().out)["issues"]
    codes = {(i["code"], i["dialogue_id"], i["turn_id"]) for i in issues if i["severity"] == "error"}
    assert {("empty_response", "zh_t3_a", 3), ("missing_audio", "zh_t3_a", 3), ("empty_response", "en_t2_a", 3)} <= codes
    # a later run asks nothing again; --retry-failed asks exactly the failed turns (they are the last ones)
    server.fault = None
    before = sum(server.asked.values())
    assert _generate(profile, goldset, out) == 0 and sum(server.asked.values()) == before
    assert _generate(profile, goldset, out, "--retry-failed") == 0
    assert sum(server.asked.values()) == before + 2
    assert main(["validate", str(out), "--testset", str(goldset.path)]) == 0


def test_a_wrong_key_stops_the_run_and_a_rerun_resumes(tmp_path: Path, goldset: GoldSet, server: AudioModelServer,
                                                         monkeypatch, capsys) -> None:
    monkeypatch.setenv("SCRIPTED_KEY", "sk-scripted-0123456789abcdef")
    server.fault = lambda label, attempt: (
        Fault(status=401, body={"error": {"message": "bad key sk-scripted-0123456789abcdef"}})
        if label == "en_t1_a:2" else None)
    profile = write_profile(tmp_path / "model.yaml", server.url, api_key_env="SCRIPTED_KEY", concurrency=1)
    out = tmp_path / "out"
    assert _generate(profile, goldset, out, "--tasks", "T1", "--languages", "en") == 1
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "run the same command again" in err and "0123456789abcdef" not in err
    journal = (out / "generation" / "journal.jsonl").read_text()
    assert "0123456789abcdef" not in journal and '"turn_id": 2' not in journal
    assert server.requests[0].headers["authorization"] == "Bearer sk-scripted-0123456789abcdef"
    server.fault = None
    assert _generate(profile, goldset, out, "--tasks", "T1", "--languages", "en") == 0
    assert server.asked["en_t1_a:1"] == 1 and server.asked["en_t1_a:2"] == 2 and server.asked["en_t1_a:3"] == 1


def test_an_out_folder_of_other_settings_or_a_foreign_submission_is_refused(
    tmp_path: Path, goldset: GoldSet, server: AudioModelServer, capsys
) -> None:
    out = tmp_path / "out"
    assert _generate(write_profile(tmp_path / "a.yaml", server.url), goldset, out, "--limit", "1") == 0
    other = write_profile(tmp_path / "b.yaml", server.url, temperature=0.2)
    assert _generate(other, goldset, out) == 1
    assert "other model settings" in capsys.readouterr().err
    asked = sum(server.asked.values())
    assert _generate(other, goldset, out, "--fresh") == 0 and sum(server.asked.values()) == asked + 19
    from humdial_eval.models.journal import _exclusive

    running = _exclusive(out / "generation" / "journal.lock")  # as a run generating into this folder holds it
    assert _generate(other, goldset, out) == 1
    assert "another run is generating" in capsys.readouterr().err
    journal = (out / "generation" / "journal.jsonl").read_bytes()
    assert _generate(other, goldset, out, "--fresh") == 1  # starting over must not break the running owner's lock
    assert "another run is generating" in capsys.readouterr().err
    assert (out / "generation" / "journal.jsonl").read_bytes() == journal and sum(server.asked.values()) == asked + 19
    running.close()
    foreign = tmp_path / "team"
    (foreign / "HD-Track1" / "en").mkdir(parents=True)
    (foreign / "HD-Track1" / "en" / "HD-Track1-T1.jsonl").write_text("{}\n")
    assert _generate(other, goldset, foreign) == 1
    assert "not made by `generate`" in capsys.readouterr().err


def test_user_mistakes_are_one_line_errors(tmp_path: Path, goldset: GoldSet, server: AudioModelServer, capsys) -> None:
    cases = [
        (write_profile(tmp_path / "key.yaml", server.url, api_key="sk-123"), "would store a secret"),
        (write_profile(tmp_path / "typo.yaml", server.url, temprature=1), "unknown field 'temprature'"),
        (write_profile(tmp_path / "input.yaml", server.url, input="video"), "field 'input' must be one of"),
        (write_profile(tmp_path / "judge.yaml", server.url, prompt_version="x"), "is a judge setting"),
        (write_profile(tmp_path / "sys.yaml", server.url, system_prompt_file="missing.txt"), "cannot read"),
        (write_profile(tmp_path / "env.yaml", server.url, api_key_env="UNSET_VARIABLE_FOR_TEST"), "is not set"),
        (tmp_path / "nowhere.yaml", "not found"),
    ]
    for profile, message in cases:
        assert _generate(profile, goldset, tmp_path / "out") == 1, message
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    good = write_profile(tmp_path / "good.yaml", server.url)
    assert main(["generate", "--model", str(good), "--testset", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 1
    assert "test set folder not found" in capsys.readouterr().err
    assert server.requests == []


def test_dialogues_in_flight_are_bounded_by_the_concurrency(tmp_path: Path, goldset: GoldSet,
                                                             server: AudioModelServer) -> None:
    server.fault = lambda label, attempt: Fault(delay=0.1)
    profile = write_profile(tmp_path / "model.yaml", server.url, concurrency=8)
    assert _generate(profile, goldset, tmp_path / "out", "--concurrency", "3") == 0
    assert server.max_in_flight == 3  # six dialogues, three at a time, one turn each at a time


def test_the_supplementary_tasks_are_generated_too_and_t5_is_spoken(tmp_path: Path, server: AudioModelServer) -> None:
    testset = tmp_path / "testset"
    shutil.copytree(REPO / "examples" / "testset", testset)
    server.turns = label_testset(testset)
    out = tmp_path / "out"
    tasks = "T1,T2,T3,T4,T5"
    assert _generate(write_profile(tmp_path / "model.yaml", server.url), testset, out, "--tasks", tasks) == 0
    assert main(["validate", str(out), "--testset", str(testset), "--tasks", tasks]) == 0
    spoken = {server.label(r.user_audio()[-1]).split("_")[1] for r in server.requests
              if r.body.get("modalities") == ["text", "audio"]}
    assert spoken == {"t3", "t5"}  # the tasks whose plugins judge response audio
    assert any((out / "HD-Track1" / lang / "HD-Track1-T5").is_dir() for lang in ("en", "zh"))


def test_an_interrupted_generate_says_its_turns_are_kept(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from humdial_eval.models import cli as models_cli

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(models_cli, "run_generate", interrupted)
    assert main(["generate", "--model", "m", "--testset", "t", "--out", "o"]) == 130
    err = capsys.readouterr().err
    assert "journal" in err and "store" not in err
