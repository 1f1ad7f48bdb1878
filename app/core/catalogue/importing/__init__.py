"""Importing works: which files (folders recurse), reading MIDI, MusicXML and audio into one melody, and
where a work's melody came from with the alternatives."""
