"""One view per audience: the public allow-list (public.py) and the employees' view (internal.py)."""
