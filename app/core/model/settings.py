"""What a model is trained and predicts with. The default viewpoints come from
benchmarks/select_viewpoints.py (forward selection on the Bach chorales, BWV 253–438, 10-fold CV)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.model.ppm.predict import PredictionSettings
from app.core.model.ppm.trie import DEFAULT_ORDER_CAP
from app.core.model.ppm.viewpoints import Viewpoint, parse_viewpoints

PITCH_ONLY = ("cpitch",)
# Forward selection (geometric combination, viewpoint bias 2, LTM/STM bias 3) picked, in order:
# cpintfref*cpint, cpint*posinbar, cpitch*dur, cpint*dur, cpintfref*posinbar, cpintfref*contour, cpint*ioi,
# cpitch, cpintfref*dur (1.923 bits). The first five reach 1.935 at half the generation cost: the default.
SELECTED_PITCH_VIEWPOINTS = ("cpintfref*cpint", "cpint*posinbar", "cpitch*dur", "cpint*dur", "cpintfref*posinbar",
                             "cpintfref*contour", "cpint*ioi", "cpitch", "cpintfref*dur")
DEFAULT_PITCH_VIEWPOINTS = SELECTED_PITCH_VIEWPOINTS[:5]
DEFAULT_DUR_VIEWPOINTS = ("dur*posinbar", "dur*ioi")
# Generation samples from a subset (each viewpoint costs an estimate per note per model; see bench_model).
DEFAULT_GENERATION_PITCH_VIEWPOINTS = ("cpintfref*cpint", "cpint*posinbar")
DEFAULT_GENERATION_DUR_VIEWPOINTS = ("dur*posinbar",)
MIN_ORDER_CAP = 20


@dataclass(frozen=True)
class ModelSettings:
    pitch_viewpoints: tuple[str, ...] = DEFAULT_PITCH_VIEWPOINTS
    dur_viewpoints: tuple[str, ...] = DEFAULT_DUR_VIEWPOINTS
    order_cap: int = DEFAULT_ORDER_CAP
    prediction: PredictionSettings = field(default_factory=PredictionSettings)
    generation_pitch_viewpoints: tuple[str, ...] = DEFAULT_GENERATION_PITCH_VIEWPOINTS
    generation_dur_viewpoints: tuple[str, ...] = DEFAULT_GENERATION_DUR_VIEWPOINTS

    def __post_init__(self) -> None:
        if not self.pitch_viewpoints or not self.dur_viewpoints:
            raise ValueError("a model needs at least one pitch and one duration viewpoint")
        for name in self.pitch_viewpoints:
            if Viewpoint.parse(name).target != "pitch":
                raise ValueError(f"viewpoint {name!r} does not predict the pitch")
        for name in self.dur_viewpoints:
            if Viewpoint.parse(name).target != "dur":
                raise ValueError(f"viewpoint {name!r} does not predict the duration")
        trained = {Viewpoint.parse(n).name for n in self.pitch_viewpoints + self.dur_viewpoints}
        for name in self.generation_pitch_viewpoints + self.generation_dur_viewpoints:
            if Viewpoint.parse(name).name not in trained:
                raise ValueError(f"generation viewpoint {name!r} is not one of the model's viewpoints")
        if not self.generation_pitch_viewpoints or not self.generation_dur_viewpoints:
            raise ValueError("generation needs at least one pitch and one duration viewpoint")
        if not MIN_ORDER_CAP <= self.order_cap <= 64:
            raise ValueError(f"order cap must be {MIN_ORDER_CAP}..64, not {self.order_cap}")

    @property
    def viewpoints(self) -> tuple[Viewpoint, ...]:
        return parse_viewpoints(self.pitch_viewpoints + self.dur_viewpoints)

    def to_json(self) -> dict:
        return {"pitch_viewpoints": list(self.pitch_viewpoints), "dur_viewpoints": list(self.dur_viewpoints),
                "order_cap": self.order_cap, "prediction": self.prediction.to_json(),
                "generation_pitch_viewpoints": list(self.generation_pitch_viewpoints),
                "generation_dur_viewpoints": list(self.generation_dur_viewpoints)}

    @classmethod
    def from_json(cls, data: dict) -> ModelSettings:
        pitch = tuple(str(v) for v in data["pitch_viewpoints"])
        dur = tuple(str(v) for v in data["dur_viewpoints"])
        gen_pitch = tuple(str(v) for v in data.get("generation_pitch_viewpoints", pitch))
        gen_dur = tuple(str(v) for v in data.get("generation_dur_viewpoints", dur))
        return cls(pitch, dur, int(data["order_cap"]), PredictionSettings.from_json(dict(data.get("prediction", {}))),
                   gen_pitch, gen_dur)
