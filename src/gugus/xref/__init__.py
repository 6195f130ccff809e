"""Cross-referencing: Splink engines (backends), online match and its scorer,
judgements and resolution, privacy-preserving matching (pprl, clkfile)."""
