"""Pure on-call rules: rotations, restrictions, layering, overrides, holidays, hours."""
