"""Address validation vectors from the specifications (BIP-173, BIP-350, EIP-55) and
well-known XRP Ledger addresses."""

import pytest

from wallet.addresses import (
    AddressError,
    bech32_decode,
    eth_checksum,
    validate_address,
    validate_btc,
    validate_destination_tag,
    validate_eth,
    validate_xrp,
)

# --- BIP-173: valid Bech32 strings (checksum level)
BECH32_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
# --- BIP-350: valid Bech32m strings
BECH32M_VALID = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]
# --- BIP-173 / BIP-350: invalid strings (reason)
BECH32_INVALID = [
    "\x201nwldj5",  # HRP character out of range
    "\x7f1axkwrx",  # HRP character out of range
    "\x801eym55h",  # HRP character out of range
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    "pzry9x0s0muk",  # no separator
    "1pzry9x0s0muk",  # empty HRP
    "x1b4n0q5v",  # invalid data character
    "li1dgmt3",  # too short checksum
    "de1lg7wt\xff",  # invalid character in checksum
    "A1G7SGD8",  # checksum calculated with upper-case HRP
    "10a06t8",  # empty HRP
    "1qzzfhee",  # empty HRP
    "\x201xj0phk",
    "\x7f1g6xzxy",
    "\x801vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
]


@pytest.mark.parametrize("text", BECH32_VALID)
def test_bip173_valid_bech32(text):
    assert bech32_decode(text)[2] == "bech32"


@pytest.mark.parametrize("text", BECH32M_VALID)
def test_bip350_valid_bech32m(text):
    assert bech32_decode(text)[2] == "bech32m"


@pytest.mark.parametrize("text", BECH32_INVALID)
def test_bip173_bip350_invalid_strings(text):
    with pytest.raises(AddressError):
        bech32_decode(text)


# --- BIP-350: valid segwit addresses (mainnet and testnet)
SEGWIT_VALID_MAIN = [
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    "BC1SW50QGDZ25J",
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
]
SEGWIT_VALID_TEST = [
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
]
SEGWIT_INVALID = [
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",  # invalid HRP
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # bech32 for v1
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",  # bech32 for v2
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # bech32 for v16
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # bech32m for v0
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",  # bech32m for v0
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # bad char in checksum
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  # witness version 17
    "bc1pw5dgrnzv",  # 1-byte program
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",  # 41 bytes
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # v0 with 16-byte program
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",  # mixed case
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",  # >4 bits padding
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",  # non-zero padding
    "bc1gmk9yu",  # empty data section
]


@pytest.mark.parametrize("address", SEGWIT_VALID_MAIN)
def test_bip350_valid_mainnet_segwit(address):
    result = validate_btc(address)
    assert result.address == address.lower()
    assert result.kind.startswith("segwit_v")


@pytest.mark.parametrize("address", SEGWIT_VALID_TEST)
def test_bip350_valid_testnet_segwit_only_on_testnet(address):
    assert validate_btc(address, network="testnet").kind.startswith("segwit_v")
    with pytest.raises(AddressError) as exc:
        validate_btc(address)
    assert exc.value.code == "wrong_network"


@pytest.mark.parametrize("address", SEGWIT_INVALID)
def test_bip350_invalid_segwit(address):
    for network in ("mainnet", "testnet"):
        with pytest.raises(AddressError):
            validate_btc(address, network=network)


def test_segwit_versions_are_reported():
    assert validate_btc(SEGWIT_VALID_MAIN[0]).kind == "segwit_v0"
    assert validate_btc(SEGWIT_VALID_MAIN[-1]).kind == "segwit_v1"  # taproot


# --- Base58Check
@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "p2pkh"),  # genesis block coinbase
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "p2pkh"),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "p2sh"),
    ],
)
def test_base58check_valid(address, kind):
    assert validate_btc(address).kind == kind


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "invalid_checksum"),  # last char changed
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN", "invalid_checksum"),  # truncated
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a", "invalid_character"),  # 0 not in alphabet
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivflA", "invalid_character"),  # l not in alphabet
        ("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", "wrong_network"),  # testnet P2PKH
        ("", "invalid_format"),
        ("1abc", "invalid_length"),
    ],
)
def test_base58check_invalid(address, code):
    with pytest.raises(AddressError) as exc:
        validate_btc(address)
    assert exc.value.code == code


def test_testnet_base58_accepted_on_testnet():
    assert validate_btc("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", network="testnet").kind == "p2pkh"


# --- EIP-55 examples (from the EIP text)
EIP55_VALID = [
    # all caps
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    # all lower
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    # normal
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", EIP55_VALID)
def test_eip55_examples(address):
    assert eth_checksum(address.lower()) == address
    assert validate_eth(address).address == address


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "invalid_checksum"),  # one case flip
        ("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "invalid_checksum"),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "checksum_missing"),
        ("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "checksum_missing"),
        ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "invalid_format"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "invalid_length"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd", "invalid_length"),
        ("0xgaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "invalid_character"),
    ],
)
def test_eth_invalid(address, code):
    with pytest.raises(AddressError) as exc:
        validate_eth(address)
    assert exc.value.code == code


def test_eth_unchecksummed_allowed_by_policy_is_canonicalised():
    result = validate_eth("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", allow_unchecksummed=True)
    assert result.address == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


# --- XRP classic addresses
XRP_VALID = [
    "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",  # genesis account
    "rrrrrrrrrrrrrrrrrrrrrhoLvTp",  # ACCOUNT_ZERO
    "rrrrrrrrrrrrrrrrrrrrBZbvji",  # ACCOUNT_ONE
    "rrrrrrrrrrrrrrrrrNAMEtxvNvQ",  # name reservation black hole
    "rrrrrrrrrrrrrrrrrrrn5RM1rHd",  # NaN address
]


@pytest.mark.parametrize("address", XRP_VALID)
def test_xrp_valid(address):
    assert validate_xrp(address).address == address


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTH", "invalid_checksum"),  # case changed
        ("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyT", "invalid_checksum"),  # truncated
        ("rHb9CJAWyB4rj91VRWn96DkukG4bwdty0h", "invalid_character"),  # 0 not in alphabet
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "invalid_format"),  # a BTC address
        ("XVLhHMPHU98es4dbozjVtdWzVrDjtV18pX8yuPT7y4xaEHi", "invalid_format"),  # X-address
        ("rabc", "invalid_length"),
    ],
)
def test_xrp_invalid(address, code):
    with pytest.raises(AddressError) as exc:
        validate_xrp(address)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("tag", "expected"),
    [(None, None), ("", None), ("0", 0), ("12345", 12345), (4294967295, 4294967295), (" 7 ", 7)],
)
def test_destination_tag_valid(tag, expected):
    assert validate_destination_tag(tag) == expected


@pytest.mark.parametrize("tag", ["-1", "4294967296", "12a", "１２３", 1.5, True, "99999999999"])
def test_destination_tag_invalid(tag):
    with pytest.raises(AddressError) as exc:
        validate_destination_tag(tag)
    assert exc.value.code == "invalid_destination_tag"


def test_xrp_address_with_tag():
    result = validate_address("xrp", XRP_VALID[0], destination_tag="42")
    assert (result.currency, result.destination_tag) == ("XRP", 42)


def test_destination_tag_refused_for_btc_and_eth():
    with pytest.raises(AddressError) as exc:
        validate_address("BTC", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", destination_tag="1")
    assert exc.value.code == "destination_tag_not_supported"
    with pytest.raises(AddressError):
        validate_address("ETH", EIP55_VALID[-1], destination_tag="1")


def test_unsupported_currency():
    with pytest.raises(AddressError) as exc:
        validate_address("JPY", "whatever")
    assert exc.value.code == "unsupported_currency"


def test_cross_currency_addresses_are_refused():
    with pytest.raises(AddressError):
        validate_address("BTC", EIP55_VALID[-1])
    with pytest.raises(AddressError):
        validate_address("ETH", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    with pytest.raises(AddressError):
        validate_address("XRP", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
