"""Generation: fill a timeline of slots note by note under hard constraints with exact credit (the sampler,
its per-note steps and their compiled numba kernels, warmed up ahead of need)."""
