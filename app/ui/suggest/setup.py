"""The Suggestions panel's first run: is a model ready, and the steps that make it so (open the catalogue,
train, or fill an empty catalogue with the demo works and train)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDockWidget

from app.core.errors import AccordError
from app.core.project.demo_catalogue import Readiness, ensure_demo_catalogue, train_current_model
from app.ui.context import CATALOGUE

if TYPE_CHECKING:
    from app.ui.suggest.panel import SuggestPanel


def suggest_button_text(state: Readiness) -> str:
    """The Suggest button says what pressing it does now: suggest, retrain an out-of-date model, train, or
    go to the catalogue (nothing to train on)."""
    if state.ready:
        return "Suggest"
    if state.usable > 0:
        return "Retrain the model (out of date)" if state.step == "retrain" else "Train the model to suggest"
    if state.works == 0:
        return "Suggest (import works first)"
    return "Suggest (no works with consent)"


class FirstRunMixin:
    """Readiness, Train and Use demo catalogue; the model itself lives in `ctx.models`."""

    def check_ready(self: SuggestPanel) -> Readiness:
        try:
            state = self.ctx.models.readiness()
        except AccordError as exc:
            self.status.setText(f"The catalogue cannot be read: {exc}")
            state = Readiness(0, 0, False, False)
        if self.state is not None and (state.usable, state.stale) != (self.state.usable, self.state.stale):
            self.ctx.models.forget()  # consent changed: load (or retrain) again
        self.state = state
        self.firstrun.show_state(state)
        self.update_banner()
        self.suggest_button.setEnabled(self.handle is None and (state.ready or self.setup_handle is None))
        self.suggest_button.setText(suggest_button_text(state))
        self.ready_changed.emit(state)
        return state

    def update_banner(self: SuggestPanel) -> None:
        """"Before the first suggestion" is for a project without ideas; with ideas the button says what to do."""
        state = self.state
        has_ideas = bool(self.cards or self.track_rows)
        self.firstrun.setVisible(state is not None and not state.ready and not has_ideas)

    def suggest_clicked(self: SuggestPanel) -> None:
        """Suggest when a model is ready; else take the step the button names (retrain, train, the catalogue)."""
        state = self.state or self.check_ready()
        if state.ready:
            self.suggest()
        elif state.step in ("train", "retrain") and state.usable > 0:
            self.train()
        else:
            self.status.setText(state.message)
            self.open_catalogue()

    def open_catalogue(self: SuggestPanel) -> QDockWidget | None:
        """Show the studio's catalogue dock (built now if the studio has none yet; never a second one)."""
        return self.ctx.panels.show(CATALOGUE)

    def _setup_task(self: SuggestPanel, name: str, fn, done_text) -> None:  # noqa: ANN001
        self.firstrun.busy(True)
        home = self.ctx.home

        def finished(result) -> None:  # noqa: ANN001
            self.setup_handle = None
            self.firstrun.busy(False)
            self.ctx.models.written()
            self.check_ready()  # first: it forgets a model that no longer matches the consent
            model = getattr(result, "model", result)  # train gives the model, the demo setup a result holding it
            if model is not None and hasattr(model, "works"):
                self.ctx.models.current = model
            self.status.setText(done_text(result))

        def failed(exc: BaseException) -> None:
            self.setup_handle = None
            self.firstrun.busy(False)
            self.check_ready()
            self.status.setText(f"{name} failed: {exc}")

        self.setup_handle = self.ctx.runner.start(
            name, lambda progress, cancel: fn(home, progress=progress, cancel=cancel),
            on_finished=finished, on_failed=failed, on_progress=self.firstrun.set_progress)
        if self.setup_handle.done:
            self.setup_handle = None

    def train(self: SuggestPanel) -> None:
        self._setup_task("Training", train_current_model,
                         lambda m: f"Model trained on {len(m.works)} works. Choose a range and press Suggest.")

    def use_demo_catalogue(self: SuggestPanel) -> None:
        state = self.check_ready()
        if state.works:
            self.status.setText("Your catalogue has works; the demo catalogue is only for an empty one.")
            return
        self.status.setText("Adding the demo catalogue (public-domain Bach chorale melodies) and training…")
        self._setup_task("Demo catalogue", ensure_demo_catalogue,
                         lambda r: f"Demo catalogue ready: {r.added} demo works, model trained. "
                                   "Choose a range and press Suggest.")

    def _preload_model(self: SuggestPanel) -> None:
        self.ctx.models.preload(on_failed=lambda exc: self.status.setText(str(exc)))
