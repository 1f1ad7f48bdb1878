"""The Analysis dock: what Accord heard (tempo, meter, downbeat, key, roles) and the controls to fix it."""
