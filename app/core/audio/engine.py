"""Playback: a sounddevice OutputStream whose callback only renders the current mix state.

Threads (DESIGN.md §2): the GUI swaps immutable MixStates (`set_mix`) and sends transport requests; the
PortAudio thread runs `callback`, which renders into `outdata`, bumps counters and keeps a peak meter —
no locks, no logging, no I/O, never raises. Stream failures are noticed by `poll()` (the UI's meter timer
calls it) and reported through `on_error` on that thread, never from the callback.

Without PortAudio or an output device `open()` raises PlaybackError with a clear reason and the engine
stays usable (set_mix, transport, offline render); `available` is False and `unavailable_reason` says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from app.core.audio.fake_stream import FakeStatus, FakeStream, RealTimePump  # noqa: F401 — re-exported
from app.core.audio.io import PROJECT_RATE
from app.core.audio.mix import MixState, render
from app.core.audio.preview import Preview
from app.core.audio.transport import Transport
from app.core.errors import PlaybackError
from app.core.gil_switch import FastSwitch

log = logging.getLogger(__name__)

StreamFactory = Callable[[Callable[..., None], int, int, Any, int], Any]
_SCRATCH_FRAMES = 8192
_KEEP: Any = object()  # "argument not given" (None already means the default device)
_PORTAUDIO_HINT = "install PortAudio (Debian/Ubuntu: sudo apt install libportaudio2)"


def sounddevice_stream(callback: Callable[..., None], samplerate: int, blocksize: int, device: Any,
                       channels: int, *, finished_callback: Callable[[], None] | None = None) -> Any:
    """The default stream factory: a float32 sounddevice.OutputStream (sounddevice imported here)."""
    try:
        import sounddevice as sd
    except OSError as exc:  # sounddevice raises OSError when the PortAudio library is missing
        raise PlaybackError("playback is unavailable: the PortAudio library was not found",
                            hint=_PORTAUDIO_HINT) from exc
    except ImportError as exc:
        raise PlaybackError("playback is unavailable: the sounddevice package is not installed") from exc
    try:
        return sd.OutputStream(samplerate=samplerate, blocksize=blocksize, device=device, channels=channels,
                               dtype="float32", callback=callback, finished_callback=finished_callback)
    except (sd.PortAudioError, ValueError, OSError, TypeError) as exc:
        if not list_output_devices():
            raise PlaybackError("playback is unavailable: no audio output device was found") from exc
        raise PlaybackError(f"the audio output could not be opened: {exc}") from exc


def list_output_devices() -> list[dict[str, Any]]:
    """Output devices as dicts (index, name, default_samplerate, max_output_channels, is_default);
    [] when PortAudio is missing or lists nothing."""
    try:
        import sounddevice as sd
    except (OSError, ImportError):
        return []
    try:
        devices = list(sd.query_devices())
        default_out = sd.default.device[1]
    except Exception:  # noqa: BLE001 - any PortAudio failure just means "no devices"
        return []
    return [{"index": i, "name": str(d["name"]), "default_samplerate": float(d["default_samplerate"]),
             "max_output_channels": int(d["max_output_channels"]), "is_default": i == default_out}
            for i, d in enumerate(devices) if int(d["max_output_channels"]) > 0]


class AudioEngine:
    """Plays a MixState through an output stream, driven by a Transport."""

    def __init__(self, *, sample_rate: int = PROJECT_RATE, blocksize: int = 256, device: Any = None,
                 stream_factory: StreamFactory | None = None) -> None:
        self.sample_rate = sample_rate
        self.blocksize = blocksize
        self.device = device
        self._factory = stream_factory
        self.transport = Transport(sample_rate)
        self._mix = MixState(sample_rate=sample_rate)
        self._stream: Any = None
        self._scratch = np.empty((2, max(_SCRATCH_FRAMES, blocksize)), dtype=np.float32)
        # Click-free mix swaps (A/B switching): the first block after a swap crossfades from the old
        # state to the new one with a precomputed linear ramp; both buffers are allocated here, once.
        self._fade_from: MixState | None = None
        self._fade_buf = np.empty_like(self._scratch)
        self._fade_ramp = np.empty_like(self._scratch)
        self._preview: Preview | None = None  # a buffer heard once beside the song (preview.py)
        self._preview_out: Preview | None = None  # the one it replaced, fading over one block
        self._failure: str | None = None  # set by the stream's finished callback
        self._generation = 0  # which opened stream is current (for late finished callbacks)
        self._closing = False
        self.unavailable_reason: str | None = None
        self.on_error: Callable[[str], None] | None = None
        self.underruns = 0
        self.blocks_rendered = 0
        self.callback_errors = 0
        self._peak_left = 0.0
        self._peak_right = 0.0
        # while the song plays the callback (Python) gets the GIL within 1 ms of asking, not 5: an analysis or
        # export on two worker threads kept it 20-50 ms late with 5 (app/core/gil_switch.py). Only while it
        # plays: the shorter interval costs those workers ~5 % (a 4-minute analysis 3.1 -> 3.3 s), and a late
        # block of silence is not heard.
        self._fast_switch = FastSwitch()

    # ---- mix and transport (GUI thread) -------------------------------------------------------------
    @property
    def mix(self) -> MixState:
        return self._mix

    def set_mix(self, state: MixState) -> None:
        """Swap the mix the callback renders (one reference assignment: safe while playing)."""
        if state.sample_rate != self.sample_rate:
            raise PlaybackError(f"the mix is at {state.sample_rate} Hz but playback runs at {self.sample_rate} Hz")
        self.transport.end_frame = state.length_frames or None
        if self.transport.playing and state is not self._mix:
            self._fade_from = self._mix
        self._mix = state

    def play(self) -> None:
        """Start playing; opens the stream first if needed (PlaybackError when that is impossible). A preview
        still sounding fades out: the song is what the artist asked to hear now."""
        self.open()
        self.stop_preview()
        self.transport.play()
        self._fast_switch.hold()

    def pause(self) -> None:
        self.transport.pause()
        self._fast_switch.release()

    def stop(self) -> None:
        self.transport.stop()
        self._fast_switch.release()

    def seek(self, seconds: float) -> None:
        self.transport.seek(seconds)

    # ---- a preview beside the song (GUI thread) -----------------------------------------------------
    def play_preview(self, samples: np.ndarray, *, gain: float = 1.0) -> Preview:
        """Hear `samples` (float32 (2, n) at the engine's rate) once, from their start, without moving the
        song's transport; replaces a preview still sounding. Opens the stream if needed (PlaybackError)."""
        preview = Preview(samples, gain=gain)
        self.open()
        old = self._preview
        if old is not None:
            old.stop()
            self._preview_out = old
        self._preview = preview
        return preview

    def stop_preview(self) -> None:
        """Fade the preview out over the next block (nothing happens when none sounds)."""
        preview = self._preview
        if preview is not None:
            preview.stop()

    @property
    def previewing(self) -> bool:
        preview = self._preview
        return preview is not None and not preview.finished

    # ---- the stream ---------------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """True while an output stream is open and has not failed."""
        return self._stream is not None and self.unavailable_reason is None

    @property
    def stream(self) -> Any:
        return self._stream

    def open(self) -> None:
        """Open and start the output stream (silence until play). PlaybackError says why it can't."""
        if self._stream is not None:
            return
        self._failure = None
        self._closing = False
        stream = None
        try:
            if self._factory is None:
                generation = self._generation = self._generation + 1
                stream = sounddevice_stream(self.callback, self.sample_rate, self.blocksize, self.device, 2,
                                            finished_callback=lambda: self._stream_finished(generation))
            else:
                stream = self._factory(self.callback, self.sample_rate, self.blocksize, self.device, 2)
            stream.start()
        except PlaybackError as exc:
            self._unavailable(exc.reason, stream)
            raise
        except Exception as exc:  # noqa: BLE001 - any backend failure becomes one clear PlaybackError
            reason = f"the audio output could not be started: {exc or type(exc).__name__}"
            self._unavailable(reason, stream)
            raise PlaybackError(reason) from exc
        self._stream = stream
        self.unavailable_reason = None
        log.info("audio output open: %s Hz, %s frames per block, device %s", self.sample_rate, self.blocksize,
                 self.device if self.device is not None else "default")

    def _unavailable(self, reason: str, stream: Any) -> None:
        self.unavailable_reason = reason
        self._stream = None
        if stream is not None:
            self._close_quietly(stream)
        log.warning("%s", reason)

    def close(self) -> None:
        """Stop and close the stream (the transport keeps its position)."""
        stream, self._stream = self._stream, None
        self._fast_switch.release()
        if stream is not None:
            self._closing = True
            self._close_quietly(stream)

    @staticmethod
    def _close_quietly(stream: Any) -> None:
        for name in ("stop", "close"):
            try:
                getattr(stream, name)()
            except Exception:  # noqa: BLE001 - a dead device may fail to stop; it is closed either way
                log.debug("stream %s failed", name, exc_info=True)

    def reconnect(self) -> None:
        """Close and reopen the output (after a device change or failure); the position is kept."""
        self.close()
        if self._factory is None:
            self._refresh_portaudio()
        self.unavailable_reason = None
        self.open()

    def set_output(self, *, device: Any = _KEEP, blocksize: int | None = None) -> None:
        """Choose the output device (None: the system default; omitted: unchanged) and/or block size;
        reopens the stream if it was open (PlaybackError if the new choice cannot be opened)."""
        if blocksize is not None:
            if not 16 <= blocksize <= 16384:
                raise PlaybackError(f"block size {blocksize} is outside 16..16384 frames")
            self.blocksize = blocksize
            if blocksize > self._scratch.shape[1]:
                self._scratch = np.empty((2, blocksize), dtype=np.float32)
                self._fade_buf = np.empty_like(self._scratch)
                self._fade_ramp = np.empty_like(self._scratch)
        if device is not _KEEP:
            self.device = device
        if self._stream is not None:
            self.reconnect()

    @staticmethod
    def _refresh_portaudio() -> None:
        # PortAudio lists devices once at initialisation; re-initialise so a plugged-in device appears.
        try:
            import sounddevice as sd

            sd._terminate()
            sd._initialize()
        except Exception:  # noqa: BLE001 - best effort; open() reports what still fails
            log.debug("PortAudio refresh failed", exc_info=True)

    def __enter__(self) -> AudioEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stream_finished(self, generation: int) -> None:
        # Called by PortAudio's thread when a stream ends; only record it (poll() reports). A stream we
        # closed ourselves, or an older one finishing late, is not a failure of the current one.
        if not self._closing and generation == self._generation:
            self._failure = "the audio output stopped (device disconnected?)"

    def poll(self) -> None:
        """Notice a failed stream (call it from a UI timer): pauses, closes it and calls on_error. Also lets go of
        the short GIL switch interval once the song has stopped by itself (at its end)."""
        if not self.transport.playing:
            self._fast_switch.release()
        stream = self._stream
        if stream is None:
            return
        failure = self._failure
        if failure is None and not getattr(stream, "active", True):
            failure = "the audio output stopped (device disconnected?)"
        if failure is None:
            return
        self.transport.pause()
        self.close()
        self.unavailable_reason = failure
        log.warning("playback failed: %s", failure)
        if self.on_error is not None:
            self.on_error(failure)

    # ---- the audio thread ---------------------------------------------------------------------------
    def callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """What PortAudio calls: render the mix for this block into outdata (frames, 2). Never raises."""
        try:
            if status and getattr(status, "output_underflow", False):
                self.underruns += 1
            fade_from = self._fade_from
            mix = self._mix
            segments = self.transport.segments(frames)
            out = outdata.T
            self._render_segments(mix, out, segments, frames)
            if fade_from is not None:
                self._fade_from = None
                if fade_from is not mix and frames <= self._fade_buf.shape[1]:
                    old = self._fade_buf[:, :frames]
                    self._render_segments(fade_from, old, segments, frames)
                    ramp = self._fade_ramp[:, :frames]
                    ramp[:] = self._ramp_row(frames)
                    np.subtract(out, old, out=out)  # out = old + (new - old) * ramp
                    np.multiply(out, ramp, out=out)
                    np.add(out, old, out=out)
            for preview in (self._preview_out, self._preview):
                if preview is not None and not preview.finished and frames <= self._scratch.shape[1]:
                    preview.mix_into(out, frames, self._scratch, self._fade_down_row(frames))
            if frames:
                left = float(max(out[0].max(), -out[0].min()))
                right = float(max(out[1].max(), -out[1].min()))
                if left > self._peak_left:
                    self._peak_left = left
                if right > self._peak_right:
                    self._peak_right = right
            self.blocks_rendered += 1
        except Exception:  # noqa: BLE001 - the audio thread must never raise: play silence, count it
            outdata.fill(0.0)
            self.callback_errors += 1

    def _render_segments(self, mix: MixState, out: np.ndarray, segments: list, frames: int) -> None:
        if len(segments) == 1 and segments[0][1] == frames:
            render(mix, out, segments[0][0], scratch=self._scratch)
        else:
            out.fill(0.0)
            for start, n, offset in segments:
                render(mix, out[:, offset:offset + n], start, scratch=self._scratch)

    def _ramp_row(self, frames: int) -> np.ndarray:
        # Cached per block size so the callback allocates nothing in steady state.
        cached = getattr(self, "_ramp_cache", None)
        if cached is None or cached.shape[0] != frames:
            cached = self._ramp_cache = (np.arange(1, frames + 1, dtype=np.float32) / np.float32(frames))
        return cached

    def _fade_down_row(self, frames: int) -> np.ndarray:
        cached = getattr(self, "_fade_down_cache", None)
        if cached is None or cached.shape[0] != frames:
            cached = self._fade_down_cache = np.float32(1.0) - self._ramp_row(frames)
        return cached

    def meter(self) -> tuple[float, float]:
        """Peak (left, right) since the previous call, linear 0..1+ (the UI polls this on a timer)."""
        left, right = self._peak_left, self._peak_right
        self._peak_left = 0.0
        self._peak_right = 0.0
        return left, right
