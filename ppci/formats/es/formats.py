"""Spanish number formats, where the portal differs from Django's own: thousands are
grouped with a point (“100.000”, “7.000”), as the case book's texts write them, not with a
space, so that a page's table and its text agree."""

THOUSAND_SEPARATOR = "."
