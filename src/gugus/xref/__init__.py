"""Cross-referencing: Splink engines (backends), batch runs and selectors,
online match and its scorer, judgements, the resolver of resolved entities,
the review list, privacy-preserving matching (pprl, clkfile)."""
