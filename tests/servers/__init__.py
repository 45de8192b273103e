"""Real local servers the tests talk to: vendors' stand-ins in their own processes or threads."""
