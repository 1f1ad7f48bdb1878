"""Opening projects whose suggestions, tracks and extras (shared JSON) have every odd shape, in a studio with
all its panels: nothing raises, in the caller or inside a Qt slot, and the studio still works afterwards.

Found this way: a suggestion whose credit is the provenance form ([{work_id, bp}]) or a non-number field
broke the Suggestions panel inside a Qt slot.
"""

from __future__ import annotations

import json
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gui import studio_fixtures as fx
from tests.gui.studio_fixtures import make_window
from tests.reliability.test_fuzz import EXAMPLES, JSON

tones = fx.tones


def _strategies():
    from tests.helpers.provenance import suggestion_json

    good = suggestion_json()
    keys = sorted(good) + ["status", "notes", "mode", "settings", "request", "contributors", "work_titles"]
    sug = st.one_of(st.dictionaries(st.sampled_from(keys), JSON, max_size=6),
                    st.builds(lambda k, v: {**good, k: v}, st.sampled_from(keys), JSON))
    track = st.dictionaries(st.sampled_from(["id", "suggestion_id", "gain_db", "instrument", "mute", "pan", "solo",
                                             "melody", "name", "status"]), JSON)
    extras = st.dictionaries(st.sampled_from(["analysis", "cocreate", "suggest", "x"]),
                             st.dictionaries(st.text(max_size=8), JSON, max_size=4), max_size=3)
    return st.lists(sug, max_size=3), st.lists(track, max_size=2), extras


def test_opening_projects_with_odd_json_never_raises(qtbot, tmp_path, tones, monkeypatch, figures):
    from app.ui.panels import install_panels

    window = make_window(qtbot, tmp_path)
    install_panels(window.context)
    raised: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda et, ev, tb: raised.append(f"{et.__name__}: {ev}"))
    sugs, tracks, extras = _strategies()
    path = tmp_path / "shared.accord"
    count = [0]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(sugs, tracks, extras)
    def open_one(suggestions, track_list, extra):
        path.write_text(json.dumps({"format": "accord-project", "version": 1, "name": "Shared", "stems": [],
                                    "suggestions": suggestions, "tracks": track_list, "extras": extra}))
        window.undo_stack.setClean()
        window.documents.open_project(path, ask=False)  # raises into the test if anything breaks
        qtbot.wait(1)  # let queued signals (panels, lanes) run
        count[0] += 1

    open_one()
    assert raised == []  # no exception inside a Qt slot either
    figures.fuzz_examples["studio project open"] = figures.fuzz_examples.get("studio project open", 0) + count[0]
    window.undo_stack.setClean()
    window.documents.new_project()
    window.add_stem_files(tones[:1])
    assert len(window.project.stems) == 1  # the studio still works
    window.undo_stack.setClean()
    window.close()


def test_a_provenance_style_credit_is_shown_on_the_card():
    from app.ui.suggest.card import credit_text

    text = credit_text({"credit": [{"work_id": 1, "bp": 7000}, {"work_id": 2, "bp": 3000}],
                        "work_titles": {"1": "Morning Song"}})
    assert text == "From: Morning Song 70%, work 2 30%"
    assert credit_text({"credit": "lots"}) == "No single work stands out"
