"""A per-product unit cost, as an Oscar shop that wants profit-aware pricing adds one (plain Oscar keeps no cost)."""
