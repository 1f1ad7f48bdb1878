"""Export with signed provenance: one file (`files`), a whole project (`project`), what the records will
say (`records`) and consent re-checked at the moment of signing (`consent`)."""
