"""The couple's keys: each device's key pair, the couple key's hand-over, the fingerprint
words two people compare, and sealing a record for the couple.

A device holds two raw 32-byte secrets side by side: an X25519 key for the hand-over of
the couple key, then an Ed25519 key that signs every record the device writes. Records
are sealed with the couple key (ChaCha20-Poly1305); ``cryptography`` is imported only
inside the functions that need it, so commands that never open a sealed byte never pay
for it. Nothing here reads or writes a file.
"""

from __future__ import annotations

import base64
import binascii

AD_PREFIX = b"trustcli couple v1"

# 256 short, distinct, easy-to-say words: each fingerprint byte is one word.
_WORD_TEXT = """
acorn amber anchor apple arrow aspen atlas autumn bagel bakery bamboo banjo barley basket
beacon beaver berry birch biscuit blossom bonfire bottle breeze brick bridge brook bubble
bucket buffalo butter button cabin cactus camel canal candle canoe canyon carpet carrot
castle cedar cello cherry chess cider circle citrus clover cobalt coconut comet copper
coral cotton cradle crane crayon cricket crystal cupcake daisy dancer desert diamond
dolphin donkey dragon dream drum eagle echo eclipse elbow ember engine falcon feather
fern fiddle finch firefly flute forest fossil fountain fox garden garlic gazelle ginger
glacier globe goose granite grape gravel guitar hammer harbor harvest hazel hedge helmet
heron hickory honey horizon island ivory jacket jasmine jelly jigsaw juniper kayak
kettle kiwi koala ladder lagoon lantern lemon lilac linen lion lobster locket lotus
maple marble meadow melon mirror mitten monkey moose mosaic mountain muffin nectar
needle nutmeg oasis ocean olive onion orbit orchid otter owl paddle panda papaya parrot
peach pebble pelican pepper piano pickle pillow pine planet plum pocket pony poppy
puffin pumpkin quail quartz quilt rabbit radish rainbow raven ribbon river robin rocket
saddle salmon sandal saturn scarf shell shadow silver sketch sparrow spider spoon
spruce squash starling stone summer sunset swan table teapot thistle thunder tiger
timber tomato topaz tractor trumpet tulip tunnel turtle umbrella valley velvet violin
volcano walnut walrus wagon willow window winter wizard wombat yarn yogurt zebra zenith
zipper acacia almond badger bramble breadbox caramel chestnut cinnamon clarinet
compass dune fjord garnet hamster iris jade kernel lava meteor nickel orange pasta
quiver saffron tundra
"""
WORDS = _WORD_TEXT.split()
FINGERPRINT_WORDS = 6
_SCRYPT_N = 2**14  # ~70 ms a fingerprint: slows an attacker who searches for a lookalike


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError(f"{what} is missing")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError(f"{what} is not base64") from None


def new_device_key() -> tuple[bytes, bytes]:
    """A device's keys: (secret, public), each two raw 32-byte keys side by side: an
    X25519 key for the hand-over of the couple key, then an Ed25519 key that signs
    every record this device writes."""
    import secrets

    return (secret := secrets.token_bytes(32) + secrets.token_bytes(32)), public_of(secret)


def public_of(secret: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    raw, form = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    exchange = X25519PrivateKey.from_private_bytes(secret[:32]).public_key()
    signing = Ed25519PrivateKey.from_private_bytes(secret[32:]).public_key()
    return exchange.public_bytes(raw, form) + signing.public_bytes(raw, form)


def sign(secret: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(secret[32:]).sign(data)


def signed_by(public: bytes, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public[32:]).verify(signature, data)
    except InvalidSignature:
        return False
    return True


def wrapping_key(
    secret: bytes, their_public: bytes, couple: str, creator: str, joiner: str
) -> bytes:
    """The key the creator and the joiner both derive (X25519, then HKDF-SHA256)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    shared = X25519PrivateKey.from_private_bytes(secret[:32]).exchange(
        X25519PublicKey.from_public_bytes(their_public[:32])
    )
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=couple.encode(),
        info=AD_PREFIX + b" grant " + creator.encode() + b" " + joiner.encode(),
    ).derive(shared)


def fingerprint(couple: str, creator_public: bytes, joiner_public: bytes) -> str:
    """A few short words from both public keys: the same on both devices only when each
    holds the other's real key (nobody swapped one in the folder)."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    digest = Scrypt(
        salt=AD_PREFIX + b" fingerprint " + couple.encode(),
        length=FINGERPRINT_WORDS,
        n=_SCRYPT_N,
        r=8,
        p=1,
    ).derive(creator_public + joiner_public)
    return " ".join(WORDS[byte] for byte in digest)


def same_words(given: str, expected: str) -> bool:
    return " ".join(given.lower().replace("-", " ").split()) == expected


def seal(key: bytes, plain: bytes, ad: bytes) -> bytes:
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    nonce = secrets.token_bytes(12)
    return nonce + ChaCha20Poly1305(key).encrypt(nonce, plain, ad)


def open_sealed(key: bytes, sealed: bytes, ad: bytes) -> bytes | None:
    """The plaintext, or None if the bytes do not authenticate (tampered, wrong key)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    if len(sealed) < 12 + 16:
        return None
    try:
        return ChaCha20Poly1305(key).decrypt(sealed[:12], sealed[12:], ad)
    except InvalidTag:
        return None


def record_ad(couple: str, device: str, seq: int) -> bytes:
    return b"|".join([AD_PREFIX, b"record", couple.encode(), device.encode(), str(seq).encode()])


def grant_ad(couple: str, creator: str, joiner: str) -> bytes:
    return b"|".join([AD_PREFIX, b"grant", couple.encode(), creator.encode(), joiner.encode()])
