"""Cross-referencing: blocking, scoring, judgements, resolver, match, pprl."""
