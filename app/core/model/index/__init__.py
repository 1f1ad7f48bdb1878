"""Indexes over the training sequences: the context index and its compiled kernels, per-work credit over it,
the copy index that bounds copied runs, and their on-disk array file."""
