"""Withdrawal address validation per currency (pure functions, no Django models).

Implemented from the specifications, not from a library:

- BTC: Base58Check (P2PKH / P2SH) and segwit addresses with the Bech32 (BIP-173, witness
  version 0) or Bech32m (BIP-350, witness versions 1-16) checksum.
- ETH: 20-byte hex with the EIP-55 mixed-case checksum (Keccak-256 of the lower-case hex).
  All-lower or all-upper addresses carry no checksum; we accept them only when
  ``allow_unchecksummed`` is true because a typo in such an address cannot be detected.
- XRP: classic address (XRP Ledger base58 alphabet, version byte 0x00, 20-byte account ID,
  double-SHA-256 checksum) with an optional destination tag (unsigned 32-bit integer).

Every validator returns the canonical form of the address or raises ``AddressError`` with a
stable ``code`` the caller maps to a localised message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from Crypto.Hash import keccak

__all__ = [
    "AddressError",
    "ValidatedAddress",
    "bech32_decode",
    "eth_checksum",
    "validate_address",
    "validate_btc",
    "validate_destination_tag",
    "validate_eth",
    "validate_xrp",
]


class AddressError(ValueError):
    """An address is malformed. ``code`` is stable; the message is for logs only."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


@dataclass(frozen=True)
class ValidatedAddress:
    currency: str
    address: str
    kind: str  # "p2pkh", "p2sh", "segwit_v0", "segwit_v1", ..., "eip55", "xrp_classic"
    destination_tag: int | None = None


# --------------------------------------------------------------------------- base58

BTC_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
XRP_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"


def _b58decode(text: str, alphabet: str) -> bytes:
    if not text:
        raise AddressError("invalid_format", "empty")
    index = {c: i for i, c in enumerate(alphabet)}
    num = 0
    for char in text:
        if char not in index:
            raise AddressError("invalid_character", f"character {char!r} not in alphabet")
        num = num * 58 + index[char]
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    leading = len(text) - len(text.lstrip(alphabet[0]))
    return b"\x00" * leading + body


def _double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _b58check_decode(text: str, alphabet: str) -> bytes:
    raw = _b58decode(text, alphabet)
    if len(raw) < 5:
        raise AddressError("invalid_length", "too short for a checksum")
    payload, checksum = raw[:-4], raw[-4:]
    if _double_sha256(payload)[:4] != checksum:
        raise AddressError("invalid_checksum", "base58check checksum mismatch")
    return payload


# --------------------------------------------------------------------------- bech32

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3


def _bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if ((top >> i) & 1) else 0
    return chk


def _bech32_hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_decode(text: str) -> tuple[str, list[int], str]:
    """Decode a Bech32 or Bech32m string -> (hrp, data without checksum, "bech32"|"bech32m").

    Follows BIP-173 with the BIP-350 constant; raises AddressError on any violation.
    """
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise AddressError("invalid_character", "character out of range")
    if text.lower() != text and text.upper() != text:
        raise AddressError("mixed_case", "mixed case")
    if len(text) > 90:
        raise AddressError("invalid_length", "longer than 90 characters")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1:
        raise AddressError("invalid_format", "missing separator or empty hrp")
    if pos + 7 > len(text):
        raise AddressError("invalid_length", "checksum too short")
    hrp = text[:pos]
    data: list[int] = []
    for char in text[pos + 1 :]:
        idx = BECH32_CHARSET.find(char)
        if idx < 0:
            raise AddressError("invalid_character", f"character {char!r} not in bech32 charset")
        data.append(idx)
    const = _bech32_polymod(_bech32_hrp_expand(hrp) + data)
    if const == BECH32_CONST:
        spec = "bech32"
    elif const == BECH32M_CONST:
        spec = "bech32m"
    else:
        raise AddressError("invalid_checksum", "bech32 checksum mismatch")
    return hrp, data[:-6], spec


def _convertbits(data: list[int], frombits: int, tobits: int, pad: bool) -> list[int]:
    acc = 0
    bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        if value < 0 or value >> frombits:
            raise AddressError("invalid_format", "value out of range")
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise AddressError("invalid_padding", "invalid padding")
    return out


def decode_segwit(hrp_expected: str, address: str) -> tuple[int, bytes]:
    """BIP-173/BIP-350 segwit address -> (witness version, witness program)."""
    hrp, data, spec = bech32_decode(address)
    if hrp != hrp_expected:
        raise AddressError("wrong_network", f"hrp {hrp!r} is not {hrp_expected!r}")
    if not data:
        raise AddressError("invalid_length", "empty data section")
    version = data[0]
    if version > 16:
        raise AddressError("invalid_version", "witness version above 16")
    program = bytes(_convertbits(data[1:], 5, 8, False))
    if not 2 <= len(program) <= 40:
        raise AddressError("invalid_length", "witness program length out of range")
    if version == 0 and len(program) not in (20, 32):
        raise AddressError("invalid_length", "v0 program must be 20 or 32 bytes")
    if (version == 0) != (spec == "bech32"):
        raise AddressError("invalid_checksum", "wrong checksum variant for the witness version")
    return version, program


# --------------------------------------------------------------------------- BTC

BTC_NETWORKS = {
    # network: (bech32 hrp, p2pkh version, p2sh version)
    "mainnet": ("bc", 0x00, 0x05),
    "testnet": ("tb", 0x6F, 0xC4),
}


def validate_btc(address: str, *, network: str = "mainnet") -> ValidatedAddress:
    hrp, p2pkh, p2sh = BTC_NETWORKS[network]
    text = address.strip()
    if not text:
        raise AddressError("invalid_format", "empty")
    if text.lower().startswith(hrp + "1"):
        version, _program = decode_segwit(hrp, text)
        # Canonical segwit form is lower case (QR codes may carry upper case).
        return ValidatedAddress("BTC", text.lower(), f"segwit_v{version}")
    if any(text.lower().startswith(other + "1") for other, _a, _b in BTC_NETWORKS.values()):
        raise AddressError("wrong_network", "segwit address of another network")
    if not 25 <= len(text) <= 35:
        raise AddressError("invalid_length", "base58 address length out of range")
    payload = _b58check_decode(text, BTC_ALPHABET)
    if len(payload) != 21:
        raise AddressError("invalid_length", "payload is not 21 bytes")
    if payload[0] == p2pkh:
        return ValidatedAddress("BTC", text, "p2pkh")
    if payload[0] == p2sh:
        return ValidatedAddress("BTC", text, "p2sh")
    known = {v for _h, a, b in BTC_NETWORKS.values() for v in (a, b)}
    if payload[0] in known:
        raise AddressError("wrong_network", "base58 address of another network")
    raise AddressError("invalid_version", "unknown version byte")


# --------------------------------------------------------------------------- ETH


def eth_checksum(address: str) -> str:
    """EIP-55 checksum encoding of a 0x-prefixed or bare 40-hex-digit address."""
    hex_part = address[2:] if address[:2] in ("0x", "0X") else address
    lowered = hex_part.lower()
    digest = keccak.new(digest_bits=256, data=lowered.encode("ascii")).hexdigest()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(lowered))


_HEX = set("0123456789abcdefABCDEF")


def validate_eth(address: str, *, allow_unchecksummed: bool = False) -> ValidatedAddress:
    text = address.strip()
    if not text.startswith("0x"):
        raise AddressError("invalid_format", "must start with 0x")
    hex_part = text[2:]
    if len(hex_part) != 40:
        raise AddressError("invalid_length", "must be 40 hex digits")
    if not set(hex_part) <= _HEX:
        raise AddressError("invalid_character", "non-hex character")
    expected = eth_checksum(text)
    if text == expected:
        return ValidatedAddress("ETH", expected, "eip55")
    if hex_part in (hex_part.lower(), hex_part.upper()):
        # No case information, so a typo cannot be detected (rare addresses whose EIP-55
        # form happens to be single-case were accepted above).
        if not allow_unchecksummed:
            raise AddressError("checksum_missing", "address is all lower or all upper case")
        return ValidatedAddress("ETH", expected, "eip55")
    raise AddressError("invalid_checksum", "EIP-55 checksum mismatch")


# --------------------------------------------------------------------------- XRP

XRP_TAG_MAX = 2**32 - 1


def validate_destination_tag(tag: object) -> int | None:
    """A destination tag is an unsigned 32-bit integer; empty means none."""
    if tag is None or tag == "":
        return None
    if isinstance(tag, bool):
        raise AddressError("invalid_destination_tag", "boolean")
    if isinstance(tag, int):
        value = tag
    else:
        text = str(tag).strip()
        if not text.isascii() or not text.isdigit():
            raise AddressError("invalid_destination_tag", "not a number")
        if len(text) > 10:
            raise AddressError("invalid_destination_tag", "too long")
        value = int(text)
    if not 0 <= value <= XRP_TAG_MAX:
        raise AddressError("invalid_destination_tag", "out of range")
    return value


def validate_xrp(address: str, *, destination_tag: object = None) -> ValidatedAddress:
    text = address.strip()
    if not text.startswith("r"):
        raise AddressError("invalid_format", "classic address starts with r")
    if not 25 <= len(text) <= 35:
        raise AddressError("invalid_length", "length out of range")
    payload = _b58check_decode(text, XRP_ALPHABET)
    if len(payload) != 21 or payload[0] != 0x00:
        raise AddressError("invalid_version", "not an account ID")
    tag = validate_destination_tag(destination_tag)
    return ValidatedAddress("XRP", text, "xrp_classic", tag)


# --------------------------------------------------------------------------- dispatch


def validate_address(
    currency: str,
    address: str,
    *,
    destination_tag: object = None,
    btc_network: str = "mainnet",
    eth_allow_unchecksummed: bool = False,
) -> ValidatedAddress:
    currency = currency.upper()
    if currency == "BTC":
        if destination_tag not in (None, ""):
            raise AddressError("destination_tag_not_supported", "BTC has no destination tag")
        return validate_btc(address, network=btc_network)
    if currency == "ETH":
        if destination_tag not in (None, ""):
            raise AddressError("destination_tag_not_supported", "ETH has no destination tag")
        return validate_eth(address, allow_unchecksummed=eth_allow_unchecksummed)
    if currency == "XRP":
        return validate_xrp(address, destination_tag=destination_tag)
    raise AddressError("unsupported_currency", f"no withdrawals for {currency}")
