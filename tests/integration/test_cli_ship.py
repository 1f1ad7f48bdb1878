"""The CLI items of issue 17: help everywhere, --home anywhere, the first-run identity, named PEM keys,
key-aware spelling, one wording for unattributed credit, `project new`, and `--c2pa` skipped out loud."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.argv import command_word, leading_globals
from app.cli.main import _subcommand_parsers, build_parser, main
from app.core.home import AccordHome
from app.core.music import Key, pitch_name
from app.core.provenance.identity import create_identity, export_public_key, import_public_key, load_identity
from app.core.provenance.readable import UNATTRIBUTED_TEXT, describe_record

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_command_and_flag_has_help():
    parser = build_parser()
    missing = []
    for p in [parser, *_subcommand_parsers(parser)]:
        if not p.description:
            missing.append(f"{p.prog}: no description")
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{p.prog} {a.dest}" for a in action._choices_actions if not a.help]
            elif action.help is None:
                missing.append(f"{p.prog} {action.option_strings or action.dest}")
    assert not missing, missing


def test_help_lists_gui_and_render_help_has_no_raw_usage(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "gui" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    out = capsys.readouterr().out
    assert "`accord render" not in out and "Render a suggestion" in out


def test_home_before_or_after_the_command(capsys, tmp_path):
    for argv in (["--home", str(tmp_path / "a"), "catalogue", "list"],
                 ["catalogue", "list", "--home", str(tmp_path / "b")],
                 ["identity", "create", "--name", "Ada", "--home", str(tmp_path / "c")]):
        code, _, err = run(capsys, *argv)
        assert code == 0, err
    assert (tmp_path / "a" / "catalogue.sqlite").exists() and (tmp_path / "b" / "catalogue.sqlite").exists()
    assert load_identity(tmp_path / "c" / "keys").name == "Ada"


def test_a_file_where_a_home_folder_belongs_is_named_not_a_traceback(capsys, tmp_path):
    # a file called "models" in the home was FileExistsError from every command
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "models").write_text("x")
    code, _, err = run(capsys, "--home", str(tmp_path / "h"), "catalogue", "list")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "models: cannot create Accord's models folder: a file of that name is in the way" in err


def test_first_signature_without_identity_is_announced_not_silent(capsys, tmp_path):
    code, _, _ = run(capsys, "project", "demo", "-o", str(tmp_path / "demo"))
    assert code == 0
    d = tmp_path / "demo"
    code, out, err = run(capsys, "mix", str(d / "drums.wav"), str(d / "bass.wav"), "-o", str(tmp_path / "m.wav"))
    assert code == 0, err
    assert "no signing identity yet; created a key named" in err and "accord identity create --name" in err
    assert not load_identity(AccordHome.resolve().keys_dir).name_confirmed  # a stand-in until named
    code, _, err = run(capsys, "mix", str(d / "drums.wav"), "-o", str(tmp_path / "m2.wav"))
    assert code == 0 and "no signing identity" not in err  # said once, when it was created


def test_pem_key_carries_its_owners_name(capsys, tmp_path):
    jo = create_identity(tmp_path / "jo", "Jo Lee", "jo@example.org")
    export_public_key(jo.public, tmp_path / "their.pem")
    assert (tmp_path / "their.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    code, out, _ = run(capsys, "identity", "trust", str(tmp_path / "their.pem"))
    assert code == 0 and "trusted 'Jo Lee'" in out
    info = import_public_key(tmp_path / "their.pem")
    assert (info.name, info.contact, info.key_id) == ("Jo Lee", "jo@example.org", jo.key_id)
    bare = tmp_path / "bare.pem"  # a PEM from another tool says nothing about its owner
    bare.write_text((tmp_path / "their.pem").read_text().split("Name:")[0])
    code, _, err = run(capsys, "identity", "trust", str(bare))
    assert code == 2 and "does not say whose it is" in err and "--name" in err
    code, out, _ = run(capsys, "identity", "trust", str(bare), "--name", "Jo (work laptop)")
    assert code == 0 and "from 'Jo Lee' to 'Jo (work laptop)'" in out  # named by the user: a rename, said so
    # the same key in a file that calls it someone else's does not relabel Jo's signatures on its own
    forged = tmp_path / "forged.pem"
    forged.write_text((tmp_path / "their.pem").read_text().replace("Jo Lee", "Mallory"))
    assert import_public_key(forged).key_id == jo.key_id
    code, _, err = run(capsys, "identity", "trust", str(forged))
    assert code == 2 and "already trusted as 'Jo (work laptop)'" in err and "--name 'Mallory'" in err
    code, out, _ = run(capsys, "identity", "list-trusted")
    assert "Jo (work laptop)" in out and "Mallory" not in out


@pytest.mark.parametrize(("key", "pitch", "name"), [
    ("Am", 68, "G#4"), ("A minor", 66, "F#4"), ("Am", 70, "Bb4"), ("E", 68, "G#4"), ("Cm", 68, "Ab4"),
    ("Eb", 70, "Bb4"), ("Dm", 61, "C#4"), ("Gm", 66, "F#4"), ("F", 70, "Bb4"), ("C", 61, "C#4"),
])
def test_pitches_are_spelled_by_key(key, pitch, name):
    assert pitch_name(pitch, Key.parse(key)) == name
    assert pitch_name(68) == "Ab4"  # without a key, the usual names


def test_verify_words_unattributed_credit_as_suggest_does():
    lines = describe_record({"credit": [{"workId": 0, "bp": 1234}, {"workId": 3, "bp": 8766}],
                             "trainingWorks": [{"id": 3, "title": "Song"}]})
    assert f"credit: 12.34% {UNATTRIBUTED_TEXT}" in lines
    assert not any("#0" in line for line in lines)
    from app.cli import cmd_suggest
    assert "unattributed" in open(cmd_suggest.__file__, encoding="utf-8").read()


def test_project_new_then_export_ogg_says_c2pa_is_skipped(capsys, tmp_path):
    assert run(capsys, "project", "demo", "-o", str(tmp_path / "d"))[0] == 0
    d = tmp_path / "d"
    create_identity(AccordHome.resolve().keys_dir, "Ada")
    song = tmp_path / "song.accord"
    code, out, err = run(capsys, "project", "new", "--stems", str(d / "drums.wav"), str(d / "bass.wav"),
                         "-o", str(song))
    assert code == 0 and "2 stems: drums, bass" in out, err
    assert run(capsys, "project", "new", "--stems", str(d / "drums.wav"), "-o", str(song))[0] == 2  # exists
    code, out, err = run(capsys, "project", "new", "--stems", str(d / "bass.wav"), "-o", str(tmp_path / "one.accord"))
    assert code == 0 and "(1 stem: bass;" in out, err
    code, out, err = run(capsys, "export", str(song), "--what", "mix", "--format", "ogg", "--c2pa",
                         "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert "C2PA skipped for OGG" in err
    code, out, _ = run(capsys, "verify", *map(str, (tmp_path / "out").glob("*.ogg")))
    assert code == 0 and "verified" in out


def test_first_run_on_a_terminal_asks_for_the_name(capsys, monkeypatch, tmp_path):
    from app.cli import identity_prompt as prompt
    from app.core.home import AccordHome
    from app.core.provenance.identity import load_identity

    answers = iter(["", "Ana Ruiz", "ana@example.org"])  # an empty name is asked again
    monkeypatch.setattr(prompt.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(prompt.sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    home = AccordHome.resolve(str(tmp_path / "home"))
    identity = prompt.signing_identity(home)
    assert (identity.name, identity.contact) == ("Ana Ruiz", "ana@example.org")
    assert load_identity(home.keys_dir).name == "Ana Ruiz"  # stored: asked once, not on every signature
    assert prompt.signing_identity(home).name == "Ana Ruiz"
    assert "signs every file" in capsys.readouterr().err


def test_launcher_sends_gui_after_global_options_to_the_studio(monkeypatch):
    import app.cli.main as cli_main
    import app.launcher as launcher
    import app.ui.app as studio

    calls = []
    monkeypatch.setattr(studio, "main", lambda args: calls.append(("studio", args)) or 0)
    monkeypatch.setattr(cli_main, "main", lambda args: calls.append(("cli", args)) or 0)
    launcher.main(["--home", "h", "-v", "gui", "x"])
    launcher.main(["--home=h"])
    launcher.main(["--home=h", "catalogue", "list"])
    assert calls == [("studio", ["--home", "h", "-v", "x"]), ("studio", ["--home=h"]),
                     ("cli", ["--home=h", "catalogue", "list"])]
    assert leading_globals(["--home", "h", "-v", "gui", "x"]) == (["--home", "h", "-v"], ["gui", "x"])
    assert leading_globals(["--home=h", "catalogue"]) == (["--home=h"], ["catalogue"])


def test_the_cli_reads_its_command_word_past_the_global_options():
    assert command_word(["--home", "h", "-v", "identity", "show"]) == "identity"
    assert command_word(["--home=h", "train"]) == "train"
    assert command_word(["--help"]) is None and command_word([]) is None
    assert command_word(["--ho", "h", "train"]) is None  # an abbreviation: every command is loaded


def test_a_command_runs_with_only_its_own_module_imported(tmp_path):
    # `accord identity show` once imported every command (numba and librosa included): ~1 s before any work.
    code = ("import sys; from app.cli.main import main; rc = main(['--home', sys.argv[1], 'identity', 'show']); "
            "print(rc, ' '.join(sorted(m for m in sys.modules if m.startswith(('app.cli.cmd_', 'librosa', "
            "'numba')))))")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "home")], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2", "app.cli.cmd_identity"]
    assert "no signing identity" in proc.stderr


def test_help_and_an_unknown_command_still_list_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["trian"])
    err = capsys.readouterr().err
    for name in ("project", "catalogue", "train", "verify", "respond", "identity"):
        assert name in listed and name in err


def test_project_demo_into_a_path_under_a_file_names_the_file(capsys, tmp_path):
    # `accord project demo -o notes.txt/demo` was a NotADirectoryError traceback; a file named songs likewise
    (tmp_path / "notes.txt").write_text("x")
    code, _, err = run(capsys, "project", "demo", "-o", str(tmp_path / "notes.txt" / "demo"))
    assert code == 2 and f"'{tmp_path / 'notes.txt'}' is a file, not a folder" in err
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "songs").write_text("x")
    code, _, err = run(capsys, "project", "demo", "-o", str(tmp_path / "d"))
    assert code == 2 and f"'{tmp_path / 'd' / 'songs'}' is a file, not a folder" in err
    assert len(err.strip().splitlines()) == 1


def test_a_mistyped_command_or_choice_names_the_nearest_one(capsys):
    for argv, nearest in ((["idnetity", "show"], "identity"), (["catalogue", "lsit"], "list"),
                          (["model", "evalute"], "evaluate")):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and f"did you mean '{nearest}'?" in err and len(err.splitlines()) == 1
    with pytest.raises(SystemExit):
        main(["xyz"])
    assert "did you mean" not in capsys.readouterr().err  # nothing near: no guess


def test_version_answers_without_loading_any_command():
    code = ("import sys; from app.cli.main import main; rc = main(['--home', 'h', '--version']); "
            "print(rc, [m for m in sys.modules if m.startswith('app.cli.cmd_')])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout == f"accord {__version__}\n0 []\n", proc.stderr


def test_a_commands_help_loads_no_estimator():
    # `accord analyze --help` loaded the analysis pipeline (numba, librosa): ~1 s for a page of text
    code = ("import sys\nfrom app.cli.main import main\ntry:\n    main(['analyze', '--help'])\nexcept SystemExit:\n"
            "    pass\nprint(sorted(m for m in sys.modules if m.startswith(('numba', 'librosa', "
            "'app.core.analysis.pipeline'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "--lead" in proc.stdout and proc.stdout.strip().endswith("[]")
