"""The statistical model: viewpoints over note events, PPM* counts per work in a context trie, their
estimates, multiple-viewpoint prediction and cross-validation (IDyOM; Pearce 2005)."""
