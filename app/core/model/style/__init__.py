"""How the catalogue writes (issue 15): phrasing and rests, register and leaps, bar-level structure, and the
Style (profile.py) that carries them into generation. Learned from the catalogue, applied by the sampler."""
