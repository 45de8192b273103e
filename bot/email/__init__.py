"""E-mail: messages built with the standard library and sent over SMTP."""
