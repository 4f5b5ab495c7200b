"""Repository functions: the only code that queries the database."""
