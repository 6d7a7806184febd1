"""Declared lineage processes (the seed's LineageProcess): YAML files or the API name what a process
reads and writes, column by column, and the process owns the edges it declares.

``spec`` is the file format, ``plan`` the pure planning, ``service`` applies through the one apply
path (and removes the edges a process no longer declares), ``files`` reads a directory.
"""
