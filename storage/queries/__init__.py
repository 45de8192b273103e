"""Small named queries, one module per feature. Each takes the session first."""
