"""Resident IDs (GB 11643), bank accounts, phones and masking (zjk_charity.ids)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import AS_OF, make_account, make_id
from zjk_charity.ids import (
    account_problem,
    check_character,
    check_id,
    mask_id,
    mask_name,
    phone_valid,
    upgrade_15,
)

WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def _reference_check(first17: str) -> str:
    """GB 11643 written out: "10X98765432"[Σ dᵢ·wᵢ mod 11]."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


# ---------------------------------------------------------------- check_character


@pytest.mark.parametrize(
    "first17",
    ["11010519491231002", "13072219400101123", "13070219991231000", "00000000000000000"],
)
def test_check_character_matches_the_standard(first17: str) -> None:
    assert check_character(first17) == _reference_check(first17)


def test_check_character_published_example() -> None:
    # The worked example of GB 11643-1999.
    assert check_character("11010519491231002") == "X"


def test_check_character_can_be_x() -> None:
    found = next(
        make_id(seq=f"{n:03d}") for n in range(1000) if make_id(seq=f"{n:03d}").endswith("X")
    )
    assert found[17] == "X"
    assert check_id(found, AS_OF).problems == []


# ---------------------------------------------------------------- upgrade_15


def test_upgrade_15_inserts_19_and_check_character() -> None:
    upgraded = upgrade_15("130722400101123")
    assert upgraded[:17] == "13072219400101123"
    assert upgraded == make_id("19400101", "130722", "123")
    assert len(upgraded) == 18


# ---------------------------------------------------------------- check_id


def test_valid_id_has_no_problem_birth_date_and_sex() -> None:
    result = check_id(make_id("19400101", seq="123"), AS_OF)
    assert result.problems == []
    assert result.valid
    assert result.birth_date == date(1940, 1, 1)
    assert result.sex == "男"


def test_even_sequence_digit_is_female() -> None:
    assert check_id(make_id(seq="124"), AS_OF).sex == "女"


def test_lower_case_x_accepted() -> None:
    number = "11010519491231002X"
    result = check_id(number.lower(), AS_OF)
    assert result.problems == []
    assert result.number == number


def test_full_width_digits_accepted() -> None:
    number = make_id()
    full = "".join(chr(ord(c) + 0xFEE0) for c in number)
    result = check_id(full, AS_OF)
    assert result.problems == []
    assert result.number == number


def test_inner_and_surrounding_spaces_accepted() -> None:
    number = make_id()
    spaced = f" {number[:6]} {number[6:14]}\u3000{number[14:]} "
    result = check_id(spaced, AS_OF)
    assert result.problems == []
    assert result.number == number


def test_15_digit_id_is_upgraded_with_warning() -> None:
    result = check_id("130722400101123", AS_OF)
    assert result.problems == ["ID_OLD_FORMAT"]
    assert result.valid  # a warning only
    assert result.number == make_id("19400101", "130722", "123")
    assert result.birth_date == date(1940, 1, 1)


@pytest.mark.parametrize(
    "text",
    ["", "1307221940010112", "1307221940010112345", "13072219400101123A", "X30722194001011232"],
)
def test_invalid_format(text: str) -> None:
    result = check_id(text, AS_OF)
    assert result.problems == ["ID_INVALID_FORMAT"]
    assert not result.valid


def test_bad_checksum() -> None:
    number = make_id()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert check_id(wrong, AS_OF).problems == ["ID_BAD_CHECKSUM"]


@pytest.mark.parametrize("birth", ["19400230", "19401301", "19400100", "20251021", "20300101"])
def test_bad_birth_date(birth: str) -> None:
    result = check_id(make_id(birth), AS_OF)
    assert result.problems == ["ID_BAD_BIRTHDATE"]
    assert result.birth_date is None


def test_born_on_the_reference_date_is_fine() -> None:
    assert check_id(make_id(AS_OF.strftime("%Y%m%d")), AS_OF).problems == []


@pytest.mark.parametrize("address", ["130721", "132529", "110105", "999999"])
def test_address_code_is_not_checked(address: str) -> None:
    # Retired codes (130721 宣化县, 1325xx 张家口地区) are valid for life.
    assert check_id(make_id(address=address), AS_OF).problems == []


_births = st.dates(min_value=date(1900, 1, 1), max_value=AS_OF)
_addresses = st.from_regex(r"\A[1-6]\d{5}\Z")
_seqs = st.from_regex(r"\A\d{3}\Z")


@given(_addresses, _births, _seqs)
def test_property_generated_ids_are_valid(address: str, born: date, seq: str) -> None:
    number = make_id(born.strftime("%Y%m%d"), address, seq)
    result = check_id(number, AS_OF)
    assert result.problems == []
    assert result.birth_date == born


@given(_addresses, _births, _seqs, st.integers(0, 16), st.integers(1, 9))
def test_property_one_changed_digit_breaks_checksum(
    address: str, born: date, seq: str, position: int, shift: int
) -> None:
    number = make_id(born.strftime("%Y%m%d"), address, seq)
    digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + digit + number[position + 1 :]
    assert "ID_BAD_CHECKSUM" in check_id(changed, AS_OF).problems


# ---------------------------------------------------------------- masking


def test_mask_id_keeps_first_six_and_last_four() -> None:
    number = make_id()
    assert mask_id(number) == number[:6] + "*" * 8 + number[-4:]


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小三", "张*三"),
        ("欧阳小明", "欧**明"),
        ("张", "张"),
        ("张 小三", "张*三"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# ---------------------------------------------------------------- accounts


def test_valid_card_has_no_problem() -> None:
    assert account_problem(make_account()) is None


@pytest.mark.parametrize("length", [16, 17, 18, 19])
def test_luhn_failure_of_a_62_card_is_a_warning(length: int) -> None:
    good = make_account("62", length)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert account_problem(good) is None
    assert account_problem(bad) == "BANK_ACCOUNT_CHECKSUM"


@pytest.mark.parametrize(
    "account",
    [
        "601234567890123457",  # does not start with 62
        "62123456789012",  # 14 digits: not a card number
        "621234567890123456780",  # 21 digits
        "123456789012",  # passbook, 12 digits
    ],
)
def test_luhn_only_for_62_cards_of_16_to_19_digits(account: str) -> None:
    assert account_problem(account) is None


@pytest.mark.parametrize("account", ["12345678901", "1" * 31, "6222abc123456789", ""])
def test_invalid_account(account: str) -> None:
    assert account_problem(account) == "BANK_ACCOUNT_INVALID"


def test_twelve_and_thirty_digits_are_the_limits() -> None:
    assert account_problem("1" * 12) is None
    assert account_problem("1" * 30) is None


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "phone",
    [
        "13800000000",
        "138 0000 0000",
        "１３８００００００００",
        "0313-1234567",
        "03131234567",
        "010-12345678",
    ],
)
def test_valid_phones(phone: str) -> None:
    assert phone_valid(phone)


@pytest.mark.parametrize(
    "phone", ["1380000000", "138000000000", "23800000000", "1234567", "无", ""]
)
def test_invalid_phones(phone: str) -> None:
    assert not phone_valid(phone)


def test_date_helper_sanity() -> None:
    # The reference date plus one day is in the future for an ID.
    tomorrow = (AS_OF + timedelta(days=1)).strftime("%Y%m%d")
    assert check_id(make_id(tomorrow), AS_OF).problems == ["ID_BAD_BIRTHDATE"]
