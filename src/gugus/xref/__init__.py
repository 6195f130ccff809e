"""Cross-referencing: Splink engines (backends), privacy-preserving matching (pprl, clkfile)."""
