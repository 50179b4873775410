"""One loyalty programme for every channel: an append-only points ledger, earn and burn
rules, tiers."""
