"""Cross-referencing: blocking, scoring, online match, judgements, resolution."""
