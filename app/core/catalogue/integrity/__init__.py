"""What keeps the catalogue honest: the consent ledger's hash chain, each work's chained facts, the heads
anchored in a signed file beside the database, and the full audit."""
