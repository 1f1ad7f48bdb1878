"""The shared time axis and its lanes: ruler, stem lanes, chord lane, piano roll."""
