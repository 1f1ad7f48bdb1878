"""The Suggestions panel's runs: plan a request, generate in the background one suggestion at a time, render
each at once on the worker (the first idea is heard sooner), add it to the project (one undo step per run)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.core.analysis.cache import AnalysisCache
from app.core.errors import AccordError
from app.core.project.cocreation.cocreate import (
    SuggestRequest,
    credited_works,
    generate_suggestions,
    plan,
    plan_label,
    song_context,
    suggestion_entry,
)
from app.core.project.cocreation.ideas import Idea
from app.core.project.cocreation.numbering import idea_name, next_idea_number
from app.core.project.cocreation.source_parts import model_source_parts
from app.core.project.cocreation.suggestion_edits import AddSuggestions
from app.core.project.demo_catalogue import load_current_model
from app.core.project.edits import CompoundEdit, SetProjectField
from app.core.project.model import LoopRegion

if TYPE_CHECKING:
    from app.ui.suggest.panel import SuggestPanel


class Relay(QObject):
    """Carries each finished suggestion from the worker thread to the GUI thread (queued signal)."""

    result = Signal(object, object)  # (Idea, run id)


class RunsMixin:
    def suggest(self: SuggestPanel, request: SuggestRequest | None = None) -> object | None:
        """Start a run (the form's request by default); returns the TaskHandle (None if refused)."""
        if self.handle is not None:
            return None
        state = self.check_ready()
        if not state.ready:
            self.status.setText(state.message)
            return None
        request = request or self.controls.request()
        try:
            p = plan(song_context(self.ctx.project), request)
        except (AccordError, ValueError) as exc:
            self.status.setText(str(exc))
            return None
        run = next(self._runs)
        home, relay, audition = self.ctx.home, self._relay, self.audition
        grid = song_context(self.ctx.project).grid
        cached = self.ctx.models.current
        first_name = next_idea_number(self.ctx.project)  # counted in the project: stable across restarts
        label = plan_label(p)

        def task(progress, cancel):  # noqa: ANN001 — runs on a worker: no widgets, no project edits
            model = cached or load_current_model(home)
            titles = {w.id: w.title for w in model.works.values()}
            count = itertools.count(first_name)

            def on_result(s) -> None:  # noqa: ANN001 — Suggestion
                index = next(count)
                entry = suggestion_entry(s, p.request, name=idea_name(index, label), number=index,
                                         works=credited_works(model, s), titles=titles)
                # Rendered from here, before the GUI thread even sees it: the first idea is heard sooner.
                audition.submit_melody(entry.id, s.notes, grid, priority=1 if index == first_name else 0)
                relay.result.emit(entry, run)

            # max-copy also against the works' parts as imported (issue 15, item 5), as `accord suggest` does
            sources = model_source_parts(model, home.catalogue_path, cache=AnalysisCache.in_home(home))
            found = generate_suggestions(model, p, on_result=on_result, sources=sources, progress=progress,
                                         cancel=cancel)
            return model, len(found)

        # Loop the range now, so the results of this run stay one undo step after it.
        self._loop_range(p.request.start_bar, p.request.bars)
        self.suggest_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.status.setText(f"Suggesting {p.request.count} × {label}…")
        self._first_of_run = True
        self._live_run = run
        self.handle = self.ctx.runner.start("Suggest", task, on_finished=lambda r, run=run: self._done(r, run),
                                            on_failed=self._failed, on_cancelled=self._cancelled,
                                            on_progress=lambda f, t: self.progress.setValue(int(f * 1000)))
        handle = self.handle
        if handle.done:  # a synchronous runner has already finished (and cleared) it
            self.handle = None
        return handle

    def _result(self: SuggestPanel, entry: Idea, run: int) -> None:
        if run != self._live_run:
            return
        if not self.ctx.push(AddSuggestions([entry], gesture=("suggest-run", run))):
            return
        sid = entry.id
        if self._first_of_run:
            self._first_of_run = False
            self.audition_suggestion(sid, play=self.controls.play_first.isChecked())
        self.suggestion_added.emit(sid)

    def _finish(self: SuggestPanel) -> None:
        self.handle = None
        self.cancel_button.setEnabled(False)
        self.suggest_button.setEnabled(self.setup_handle is None)

    def _done(self: SuggestPanel, result, run: int) -> None:  # noqa: ANN001
        model, n = result
        self.ctx.models.current = model
        self._finish()
        self.progress.setValue(1000)
        self.status.setText(f"{n} suggestion{'s' if n != 1 else ''} — audition, keep, or drag one into your DAW.")
        self.reveal_active_card()  # the idea being heard, under the newer cards of its run
        self.run_finished.emit(n)

    def _failed(self: SuggestPanel, exc: BaseException) -> None:
        self._finish()
        self.status.setText(f"No suggestion: {exc}")
        self.run_finished.emit(0)

    def _cancelled(self: SuggestPanel) -> None:
        self._finish()
        self.status.setText("Cancelled — the suggestions found so far are kept.")
        self.run_finished.emit(0)

    def cancel(self: SuggestPanel) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def _loop_range(self: SuggestPanel, start_bar: int, bars: int) -> float:
        """Loop bars [start_bar, start_bar + bars) (one undo step, only if it changes); the start in seconds."""
        grid = song_context(self.ctx.project).grid
        bq = grid.time_signature.bar_quarters
        start, end = grid.seconds(start_bar * bq), grid.seconds((start_bar + bars) * bq)
        p = self.ctx.project
        if p.loop != LoopRegion(start, end) or not p.loop_enabled:
            self.ctx.push(CompoundEdit("Loop the suggestion range", [SetProjectField("loop", LoopRegion(start, end)),
                                                                     SetProjectField("loop_enabled", True)]))
        return start
