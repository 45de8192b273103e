"""Pure alert rules: neutral signals, classification and routing."""
