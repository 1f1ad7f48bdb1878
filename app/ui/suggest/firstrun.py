"""The suggestions panel's first-run guidance: what to do before Accord can suggest, with buttons that go
there (open the catalogue, train the model, try the demo catalogue).

`FirstRunBox.show_state(readiness)` shows the next step (app/core/project/demo_catalogue.Readiness);
the panel connects the buttons: `open_catalogue`, `train`, `use_demo`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.core.project.demo_catalogue import Readiness


class FirstRunBox(QFrame):
    open_catalogue = Signal()
    train = Signal()
    use_demo = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FirstRunBox")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel("Before the first suggestion")
        self.heading.setObjectName("FirstRunHeading")
        self.text = QLabel()
        self.text.setObjectName("FirstRunText")
        self.text.setWordWrap(True)
        self.steps = QLabel()
        self.steps.setObjectName("FirstRunSteps")
        self.steps.setWordWrap(True)
        self.catalogue_button = QPushButton("Open the catalogue")
        self.catalogue_button.setObjectName("FirstRun-catalogue")
        self.train_button = QPushButton("Train the model")
        self.train_button.setObjectName("FirstRun-train")
        self.demo_button = QPushButton("Try the demo catalogue")
        self.demo_button.setObjectName("FirstRun-demo")
        self.demo_button.setToolTip("30 public-domain Bach chorale melodies, marked as demo works, with consent "
                                    "granted by a demo contributor. Only offered while your catalogue is empty.")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.catalogue_button.clicked.connect(self.open_catalogue)
        self.train_button.clicked.connect(self.train)
        self.demo_button.clicked.connect(self.use_demo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.catalogue_button)
        buttons.addWidget(self.train_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.text)
        layout.addWidget(self.steps)
        layout.addLayout(buttons)
        layout.addWidget(self.demo_button)
        layout.addWidget(self.progress)
        self.state: Readiness | None = None

    def show_state(self, state: Readiness) -> None:
        self.state = state
        self.text.setText(state.message)
        done = {"import": 0, "consent": 1, "train": 2, "retrain": 2, "ready": 3}[state.step]
        marks = ["1. Import works", "2. Grant consent to train the melody model", "3. Train the model"]
        self.steps.setText("\n".join(("✓ " if i < done else "→ " if i == done else "   ") + m
                                     for i, m in enumerate(marks)))
        self.train_button.setEnabled(state.usable > 0)
        self.train_button.setVisible(state.usable > 0)  # the theme does not grey disabled buttons: hide it
        self.train_button.setText("Retrain the model" if state.step == "retrain" else "Train the model")
        self.demo_button.setVisible(state.works == 0)

    def busy(self, on: bool, text: str = "") -> None:
        self.progress.setVisible(on)
        for b in (self.catalogue_button, self.train_button, self.demo_button):
            b.setEnabled(not on and (b is not self.train_button or bool(self.state and self.state.usable)))
        if text:
            self.text.setText(text)

    def set_progress(self, fraction: float, text: str = "") -> None:
        self.progress.setValue(int(fraction * 1000))
        if text:
            self.progress.setFormat(text)
