# Django's Simplified Chinese formats group digits with no separator ("12345"). Chinese websites
# (and the customer-service tools our customers compare us with) write counts as "12,345", so
# group by three with a comma; everything else comes from django/conf/locale/zh_Hans/formats.py.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
