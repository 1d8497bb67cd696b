"""Encryption at rest for personal data: AES-256-GCM with a key ring, and a keyed hash.

Ciphertext format: ``v1:<kid>:<base64(nonce || ciphertext+tag)>``. The first key in the ring
encrypts; every key decrypts, so keys rotate without downtime: add a new key first, then
re-encrypt at leisure (``arrears keys rotate``), then drop the old key.
The keyed hash (HMAC-SHA256 with a separate index key) allows exact-match search
without storing the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from arrears.errors import ArrearsError


class CryptoError(ArrearsError):
    code = "crypto_error"
    status = 500


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]  # (kid, 32-byte key); first encrypts
    index_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False,
                                        compare=False, hash=False)

    def _cipher(self, kid: str, key: bytes) -> AESGCM:
        """One AESGCM object per key, made once: building it costs more than a short value."""
        cipher = self._ciphers.get(kid)
        if cipher is None:
            cipher = self._ciphers[kid] = AESGCM(key)
        return cipher

    @cached_property
    def _by_kid(self) -> dict[str, bytes]:
        return dict(self.keys)

    def __reduce__(self) -> tuple[type[KeyRing], tuple[object, ...]]:
        # Sent to a helper process without its cipher objects (they are not picklable).
        return KeyRing, (self.keys, self.index_key)

    @property
    def active_kid(self) -> str:
        return self.keys[0][0]

    def encrypt(self, plaintext: str | None) -> str | None:
        if plaintext is None:
            return None
        kid, key = self.keys[0]
        nonce = os.urandom(12)
        ct = self._cipher(kid, key).encrypt(nonce, plaintext.encode("utf-8"), kid.encode())
        return f"v1:{kid}:{base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            version, kid, payload = token.split(":", 2)
        except ValueError as exc:
            raise CryptoError("not an encrypted value") from exc
        key = self._by_kid.get(kid)
        if version != "v1" or key is None:
            raise CryptoError(f"no key {kid!r} in the key ring")
        raw = base64.b64decode(payload)
        return self._cipher(kid, key).decrypt(raw[:12], raw[12:], kid.encode()).decode("utf-8")

    def needs_rotation(self, token: str | None) -> bool:
        return token is not None and token.split(":", 2)[1] != self.active_kid

    def blind_index(self, value: str | None) -> str | None:
        """Keyed hash of a normalised value, for exact-match search."""
        if value is None:
            return None
        norm = "".join(value.split()).upper()
        return hmac.new(self.index_key, norm.encode("utf-8"), hashlib.sha256).hexdigest()


def _b64key(text: str) -> bytes:
    key = base64.b64decode(text)
    if len(key) != 32:
        raise CryptoError("encryption keys must be 32 bytes, base64-encoded")
    return key


def parse_keyring(keys: str, index_key: str) -> KeyRing:
    """Parse ``kid:base64,kid2:base64`` and a base64 index key."""
    pairs = []
    for part in keys.split(","):
        kid, _, b64 = part.strip().partition(":")
        if not kid or not b64:
            raise CryptoError("ARREARS_SECRET_KEYS must look like 'kid:base64key,...'")
        pairs.append((kid, _b64key(b64)))
    return KeyRing(tuple(pairs), _b64key(index_key))


def load_or_create_keyfile(path: Path) -> KeyRing:
    """The laptop default: a key file made once in ARREARS_HOME (mode 0600)."""
    if not path.exists():
        data = {"keys": [{"kid": "k1", "key": base64.b64encode(os.urandom(32)).decode()}],
                "index_key": base64.b64encode(os.urandom(32)).decode()}
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
    data = json.loads(path.read_text())
    keys = ",".join(f"{k['kid']}:{k['key']}" for k in data["keys"])
    return parse_keyring(keys, data["index_key"])
