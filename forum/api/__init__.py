"""Wendao's public REST API (``/api/v1/``), built on Django REST framework.

Views are thin: they parse input with an explicit input serializer, call one function of
``forum.services`` (writes) or ``forum.selectors`` (reads), and shape the answer with an explicit
output serializer. Who may do what is decided by ``forum.permissions``, the same table the pages
use. See ``docs/api.md``.
"""
