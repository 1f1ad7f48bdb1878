"""`accord catalogue ...` end to end on a real catalogue: commands, --json shapes, exit codes, 200 chorales."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from tests.helpers.catalogue_files import simple_midi
from tests.helpers.chorales import chorale_ids, write_chorale_midis


@pytest.fixture
def run(tmp_path, capsys):
    home = tmp_path / "home"

    def run(*argv: str, expect: int = 0):
        try:
            code = main(["--home", str(home), "catalogue", *argv])
        except SystemExit as exc:  # argparse refuses bad arguments by exiting (code 2, one line)
            code = exc.code
        out, err = capsys.readouterr()
        assert code == expect, (code, out, err)
        return out, err

    run.home = home
    return run


def js(out: str):
    return json.loads(out)


def test_add_list_show_consent_remove_audit(run, tmp_path):
    a = simple_midi(tmp_path / "Song A.mid", [60, 62, 64])
    out, _ = run("add", str(a), "--contributor", "Ann:composer:50", "--contributor", "Bo:Lyricist:50", "--json")
    assert js(out) == {"works": [{"id": 1, "title": "Song A", "path": str(a.resolve())}], "duplicates": [],
                       "failed": []}
    out, _ = run("add", str(simple_midi(tmp_path / "b.mid", [70])), "--title", "Bee")
    assert "Bee" in out and "1 notes" in out
    rows = js(run("list", "--json")[0])
    assert [(r["id"], r["title"], r["state"], r["pending"]) for r in rows] == [
        (1, "Song A", "pending", ["Ann", "Bo"]), (2, "Bee", "pending", [rows[1]["contributors"][0]["name"]])]
    out, _ = run("consent", "1", "2", "--grant", "--note", "signed", "--json")
    result = js(out)
    assert [(e["work_id"], e["contributor"], e["action"]) for e in result["entries"]][:2] == [(1, "Ann", "grant"),
                                                                                            (1, "Bo", "grant")]
    assert {w["id"]: w["state"] for w in result["works"]} == {1: "usable", 2: "usable"}
    run("consent", "1", "--revoke", "--contributor", "Bo", "--note", "label said no")
    out, _ = run("list")
    assert "revoked (by Bo)" in out and "usable" in out
    assert [r["id"] for r in js(run("list", "--state", "usable", "--json")[0])] == [2]
    detail = js(run("show", "1", "--json")[0])
    assert detail["state"] == "revoked" and [h["action"] for h in detail["history"]] == ["grant", "grant", "revoke"]
    assert detail["history"][-1]["note"] == "label said no"
    out, _ = run("show", "1")
    assert "Ann (composer, 50 %), Bo (lyricist, 50 %)" in out and "label said no" in out
    out, _ = run("contributors", "1", "--contributor", "Ann:composer:40", "--contributor", "Bo:lyricist:60")
    assert "Bo (lyricist, 60 %)" in out
    assert js(run("remove", "2", "--json")[0]) == {"removed": 2, "title": "Bee"}
    assert [r["id"] for r in js(run("list", "--json")[0])] == [1]
    assert js(run("audit", "--json")[0]) == {"ok": True, "entries_checked": 4, "broken_entry_id": None, "reason": "",
                                            "work_id": None, "facts_checked": 4}


@pytest.mark.parametrize("argv,message", [
    (("show", "42"), "work 42: no such work"),
    (("consent", "42", "--grant"), "work 42: no such work"),
    (("remove", "42"), "work 42: no such work"),
    (("show", "x"), "'x' is not a work number"),
    (("consent", "1"), "give WORK_ID... with --grant or --revoke"),
    (("add", "{a}", "--contributor", "Ann:composer:60", "--contributor", "Bo:composer:30"), "sum to 90 %, not 100 %"),
    (("add", "{a}", "--contributor", "Ann-100"), "NAME:ROLE:SHARE_PERCENT"),
    (("add", "{a}", "--contributor", "Ann:boss:100"), "role 'boss'"),
    (("add", "{a}", "--channel", "17"), "MIDI channels are 1–16"),
    (("consent", "1", "--grant", "--contributor", "Zed"), "'Zed' is not a contributor of work 1"),
])
def test_bad_input_exits_2_with_one_line(run, tmp_path, argv, message):
    a = simple_midi(tmp_path / "a.mid")
    run("add", str(simple_midi(tmp_path / "first.mid", [50, 52])))
    _, err = run(*[s.format(a=a) for s in argv], expect=2)
    assert message in err and len(err.strip().splitlines()) == 1


def test_add_with_some_bad_files_adds_the_good_ones_and_exits_2(run, tmp_path):
    good = simple_midi(tmp_path / "good.mid")
    (tmp_path / "bad.mid").write_bytes(b"nope")
    out, err = run("add", str(good), str(tmp_path / "bad.mid"), str(tmp_path / "gone.mid"), "--json", expect=2)
    assert [w["title"] for w in js(out)["works"]] == ["good"]
    assert "bad.mid: is not a MIDI file" in err and "gone.mid: file not found" in err
    out, err = run("add", str(good))
    assert "already in the catalogue as work 1" in err and "no new works" in out


def test_edit_a_works_fields(run, tmp_path):
    run("add", str(simple_midi(tmp_path / "a.mid")))
    d = js(run("edit", "1", "--title", "Anthem", "--isrc", "us-rc1-76-07839", "--year", "2024", "--notes", "demo",
               "--json")[0])
    assert (d["title"], d["isrc"], d["year"], d["notes_text"]) == ("Anthem", "USRC17607839", 2024, "demo")
    _, err = run("edit", "1", "--iswc", "12345", expect=2)
    assert "iswc: '12345' is not an ISWC" in err
    assert js(run("show", "1", "--json")[0])["iswc"] is None


def test_parts_lists_midi_candidates(run, tmp_path):
    rows = js(run("parts", str(simple_midi(tmp_path / "a.mid", name="Melody")), "--json")[0])["candidates"]
    assert rows[0]["track"] == 1 and rows[0]["channel"] == 1 and rows[0]["name"] == "Melody"


def test_two_hundred_chorales_with_consent(run, tmp_path):
    """Done-when check: 200 real melodies, some granted, one revoked; list --json reports each state."""
    paths = write_chorale_midis(tmp_path / "chorales", 200)
    out, _ = run("add", str(tmp_path / "chorales"), "--contributor", "J. S. Bach:composer:70",
                 "--contributor", "Editor:arranger:30", "--json")
    works = js(out)["works"]
    assert len(works) == 200 and {w["title"] for w in works} == {p.stem for p in paths}
    by_title = {w["title"]: w["id"] for w in works}
    ids = sorted(by_title.values())
    granted_all, bach_only, revoked = ids[:120], ids[120:150], ids[0]
    run("consent", *map(str, granted_all), "--grant", "--note", "public domain, editor agreed")
    run("consent", *map(str, bach_only), "--grant", "--contributor", "J. S. Bach")
    run("consent", str(revoked), "--revoke", "--contributor", "Editor")
    states = {r["id"]: r for r in js(run("list", "--json")[0])}
    assert len(states) == 200
    for work_id, row in states.items():
        if work_id == revoked:
            assert row["state"] == "revoked" and row["revoked_by"] == ["Editor"]
        elif work_id in granted_all:
            assert row["state"] == "usable"
        elif work_id in bach_only:
            assert row["state"] == "pending" and row["pending"] == ["Editor"]
        else:
            assert row["state"] == "pending" and row["pending"] == ["J. S. Bach", "Editor"]
    assert len(chorale_ids(200)) == 200
    from app.core.catalogue import Catalogue

    with Catalogue.open(run.home / "catalogue.sqlite") as cat:
        usable = cat.usable_works()
        assert [u.id for u in usable] == granted_all[1:]
        assert all(len(u.melody) >= 5 for u in usable)
        assert cat.audit().ok


@pytest.mark.parametrize("argv", [["show", "99999999999999999999"], ["parts", "99999999999999999999"],
                                  ["consent", "99999999999999999999", "--grant", "--contributor", "A"],
                                  ["remove", "99999999999999999999"]])
def test_a_work_number_past_sqlite_integers_is_refused_in_one_line(run, argv):
    # binding it raised OverflowError: "Python int too large to convert to SQLite INTEGER" and a traceback
    _, err = run(*argv, expect=2)
    assert "99999999999999999999 is not a work number (see `accord catalogue list`)" in err
    assert len(err.strip().splitlines()) == 1
