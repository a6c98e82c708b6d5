"""Shared foundations: settings, file and folder names, errors, schemas and validation, text, numerals, atomic writes, the run lock, storage roots."""
