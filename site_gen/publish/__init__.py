"""One module per audience: the pages and files of its site, as {relative path: bytes}."""
