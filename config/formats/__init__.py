"""Wendao's adjustments to Django's locale formats (settings.FORMAT_MODULE_PATH)."""
