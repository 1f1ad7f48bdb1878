"""Rhythm: the onset envelopes (onsets.py) and tempo (tempo.py; tap tempo in tap.py), the felt beat level (beatlevel.py), the
least-squares beat grid (beatfit.py)."""
