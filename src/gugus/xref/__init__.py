"""Cross-referencing: privacy-preserving matching (pprl) and, from other helpers, xref, judgements, match."""
