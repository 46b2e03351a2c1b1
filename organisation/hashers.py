"""PBKDF2 with HMAC-SM3 (GB/T 32905, 商用密码) as a Django password hasher.

Selected with ``PASSWORD_HASHER=sm3`` (config/settings.py puts it first in PASSWORD_HASHERS); hashes
look like ``pbkdf2_sm3$<iterations>$<salt>$<hash>``. SM3 comes from the OpenSSL that Python links
(``hashlib.pbkdf2_hmac("sm3", …)``); settings refuse to start with ``sm3`` chosen if it is missing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.exceptions import ImproperlyConfigured


def sm3_available() -> bool:
    return "sm3" in hashlib.algorithms_available


def _sm3(data: bytes = b"") -> Any:
    if not sm3_available():
        raise ImproperlyConfigured("此环境的 OpenSSL 不支持 SM3 算法（hashlib.algorithms_available 中没有 sm3）。")
    return hashlib.new("sm3", data)


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sm3"
    # One SM3 round costs about 2.4 SHA-256 rounds here (OpenSSL 3): keep a sign-in's hashing time
    # close to Django's PBKDF2-SHA256 default rather than multiplying it.
    iterations = PBKDF2PasswordHasher.iterations * 2 // 5
    digest = staticmethod(_sm3)  # django.utils.crypto.pbkdf2 passes digest().name on to OpenSSL
