"""The demo community that ``manage.py seed_demo`` builds: content in ``content``, builder in ``seed``."""
