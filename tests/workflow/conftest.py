"""Workflow tests share the default-study run fixture defined in tests/conftest.py."""
