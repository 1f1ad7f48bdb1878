"""Modal windows and messages: questions and error reports, Export…, Verify…."""
