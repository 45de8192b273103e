"""Warroom's data layer: sqlmodel tables, the engine and small queries."""
