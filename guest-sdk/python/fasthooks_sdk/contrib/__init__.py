"""Integrations in the seed's ``fasthooks.contrib`` shape."""
