"""Integrations with other frameworks (Ray Data), each importing its framework only when used."""
