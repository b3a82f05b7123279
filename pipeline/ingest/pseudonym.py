"""Pseudonyms for personal data (UU 27/2022): a keyed hash, stable across loads.

The key is a secret kept outside the warehouse and the reports: ``SOPMINE_PSEUDONYM_KEY`` (the
key itself) or a key file (setting ``pseudonym_key_file``; ``sopmine keygen`` writes one with
mode 600). The same value and key always give the same pseudonym; without the key nobody can
reverse it or recompute it from a guessed NIK.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from pipeline.errors import ConfigError

PREFIX = "P-"


def load_key(key_file: str | Path, env: dict[str, str] | None = None) -> bytes:
    env = dict(os.environ) if env is None else env
    if env.get("SOPMINE_PSEUDONYM_KEY"):
        return env["SOPMINE_PSEUDONYM_KEY"].encode()
    path = Path(key_file).expanduser()
    if not path.exists():
        raise ConfigError(
            f"the mapping asks to pseudonymise personal data, but there is no key: {path} does not "
            "exist. Create one with 'sopmine keygen' (or set SOPMINE_PSEUDONYM_KEY), keep it safe, "
            "and use the same key for every load."
        )
    key = path.read_bytes().strip()
    if len(key) < 16:
        raise ConfigError(f"{path}: the pseudonym key is shorter than 16 bytes. Make a new one "
                          "with 'sopmine keygen'.")
    return key


def write_key(path: str | Path) -> Path:
    """Write a new random key with owner-only permissions; refuse to overwrite one."""
    path = Path(path).expanduser()
    if path.exists():
        raise ConfigError(f"{path} already exists. Keep it: pseudonyms made with it would change. "
                          "Remove it by hand only if you mean to.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return path


def pseudonym(value: str, key: bytes) -> str:
    digest = hmac.new(key, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:16]
