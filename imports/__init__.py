"""Reading imported files: bytes in, text and rows out, no database."""
