"""Co-creation: the Suggestions dock (first run, runs, cards and their actions), audition, drag out, the piano-roll lane."""
