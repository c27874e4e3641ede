"""A customer's e-mail address becomes an opaque reference: a keyed hash, stable for one key, useless without it.

HMAC-SHA256 of the address (trimmed, lower case), truncated: the same customer gets the same reference in every
import, different teams' keys give unrelated references, and nobody holding the repository can test a guessed
address against it without the key, which lives outside the repository.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path

from .errors import ImportUsage

KEY_VARIABLE = "SITE_GEN_CUSTOMER_KEY"
PREFIX = "cust-"
DIGITS = 20          # 80 bits: no collision among billions of customers
MIN_KEY_BYTES = 16
_HOW = (f"set the environment variable {KEY_VARIABLE} to a long random secret, e.g. with `export {KEY_VARIABLE}="
        "$(python -c 'import secrets; print(secrets.token_hex(32))')`, or pass --key-file FILE kept outside the "
        "repository; keep the same key for every import, or the same customer gets a new reference")


def customer_reference(address: str, key: bytes) -> str:
    digest = hmac.new(key, address.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGITS]


def load_key(key_file: Path | None, inside_repository: bool, environment: Mapping[str, str]) -> bytes:
    """The key: --key-file (refused inside the repository), else the environment variable."""
    if key_file is not None:
        if inside_repository:
            raise ImportUsage(f"--key-file {key_file} is inside the repository: a key that is committed protects "
                              "nothing; keep it outside, e.g. in your home folder")
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise ImportUsage(f"cannot read --key-file {key_file}: {exc.strerror or exc}") from None
        where = f"--key-file {key_file}"
    else:
        key = environment.get(KEY_VARIABLE, "").strip().encode("utf-8")
        if not key:
            raise ImportUsage(f"this export has customer e-mail addresses, which become references with a key: {_HOW}")
        where = KEY_VARIABLE
    if len(key) < MIN_KEY_BYTES:
        raise ImportUsage(f"the key in {where} is too short ({len(key)} bytes, at least {MIN_KEY_BYTES}): {_HOW}")
    return key
