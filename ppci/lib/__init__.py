"""Helpers shared by the apps that know no app: paging, facets, limits on input, text
folding, edit locking, history, the page cache and security plumbing.

``casebook`` and ``partners`` build on these; nothing here imports either of them.
"""
