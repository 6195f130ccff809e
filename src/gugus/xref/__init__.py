"""Cross-referencing: Splink engines (backends), privacy-preserving matching
(pprl, clkfile), judgements, the resolver of resolved entities, the review list."""
