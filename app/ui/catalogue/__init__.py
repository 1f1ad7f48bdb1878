"""The Catalogue dock: the works Accord may learn from, their contributors, consent and import."""
