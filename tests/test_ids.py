"""Resident IDs (GB 11643), bank accounts, phones and masking (zjk_charity.ids)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import AS_OF, in_script, make_account, make_id, script_zeros
from zjk_charity.findings import Finding
from zjk_charity.ids import (
    PROVINCES,
    account_problem,
    check_character,
    check_id,
    mask_id,
    mask_name,
    normalise_account,
    normalise_phone,
    phone_valid,
    quick_id,
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


@pytest.mark.parametrize("address", ["130721", "132529", "110105", "110201", "710101", "830000"])
def test_only_the_province_part_of_the_address_code_is_checked(address: str) -> None:
    # Retired codes (130721 宣化县, 1325xx 张家口地区, 110201 昌平县 until 1981) are valid
    # for life; 71 is Taiwan in GB/T 2260, 83 the Taiwan residents' residence permit.
    assert check_id(make_id(address=address), AS_OF).problems == []


NOT_PROVINCES = ["00", "01", "10", "16", "19", "20", "24", "30", "38", "40", "47", "49"]
NOT_PROVINCES += ["55", "60", "66", "70", "72", "80", "84", "90", "99"]


@pytest.mark.parametrize("prefix", NOT_PROVINCES)
def test_an_id_of_no_province_is_refused(prefix: str) -> None:
    number = make_id(address=prefix + "0722")  # the right check character for it
    result = check_id(number, AS_OF)
    assert result.problems == ["ID_INVALID_FORMAT"]
    assert not result.valid
    assert quick_id(number, AS_OF) is None
    params = result.params("ID_INVALID_FORMAT")
    assert params["variant"] == "province" and params["province"] == prefix
    finding = Finding("f.xlsx", "S", 4, "身份证号", "ID_INVALID_FORMAT", params)
    assert f"前两位“{prefix}”不是省级行政区划代码" in finding.message("zh")
    assert f"first two digits '{prefix}' are not a province code" in finding.message("en")
    assert number not in finding.message("zh") + finding.message("en")


def test_the_length_wording_stays_for_a_wrong_length() -> None:
    result = check_id("1307221940010112", AS_OF)
    finding = Finding(
        "f", "S", 4, "身份证号", "ID_INVALID_FORMAT", result.params("ID_INVALID_FORMAT")
    )
    assert (
        finding.message() == "身份证号格式不对：应为 18 位（17 位数字加 1 位数字或 X），现为 16 位"
    )
    assert "province" not in finding.message("en")
    # A finding stored before the variant existed (no "variant") keeps this wording too.
    stored = Finding("f", "S", 4, "身份证号", "ID_INVALID_FORMAT", {"length": 16, "tail": "0112"})
    assert stored.message() == finding.message()


def test_an_old_15_digit_id_gets_the_same_province_check() -> None:
    result = check_id("990722400101123", AS_OF)
    assert result.problems == ["ID_OLD_FORMAT", "ID_INVALID_FORMAT"]
    assert result.params("ID_INVALID_FORMAT")["province"] == "99"
    assert check_id("130722400101123", AS_OF).problems == ["ID_OLD_FORMAT"]


# ---- peers' own vectors (issue 15), copied as data ----------------------------------
# python-stdnum, tests/test_cn_ric.doctest (github.com/arthurdejong/python-stdnum): its
# valid numbers are valid here; where stdnum looks the county up in its year, we do not
# (a county code is never checked: retired codes are valid for life).
STDNUM_CN_RIC = {
    "360426199101010071": [],
    "44011320141005001x": [],
    "412723199010050012": [],
    "110102199101010078": [],
    "120110198012010073": [],  # before 1991
    "120110199212010072": [],  # after 1991
    "990426199112010074": ["ID_INVALID_FORMAT"],  # unknown birth place: 99 is no province
    "110111198012010078": [],  # stdnum: county not registered yet in the birth year
    "110201199312010077": [],  # stdnum: county deregistered before the birth year
    "T60426199101010078": ["ID_INVALID_FORMAT"],
    "360426199113010079": ["ID_BAD_BIRTHDATE"],
    "36042619910102009X": ["ID_BAD_CHECKSUM"],
}
# id-validator, test_validator.py (github.com/jxlwqq/id-validator.py): is_valid and
# get_info vectors, with the finding each invalid one gets here.
ID_VALIDATOR = {
    "440308199901101512": [],
    "610104620927690": ["ID_OLD_FORMAT"],  # 15 digits: upgraded, a warning
    "810000199408230021": [],  # 港澳居民居住证
    "830000199201300022": [],  # 台湾居民居住证
    "500154199301135886": [],  # born before its address code was published (non-strict)
    "411082198901010002": [],
    "500154199804106120": [],
    "440308199901101513": ["ID_BAD_CHECKSUM"],
    "44030819990110": ["ID_INVALID_FORMAT"],  # wrong length
    "111111199901101512": ["ID_BAD_CHECKSUM"],  # id-validator: no county 1111; its check fails too
    "440308199902301512": ["ID_BAD_CHECKSUM", "ID_BAD_BIRTHDATE"],
    "610104620932690": ["ID_OLD_FORMAT", "ID_BAD_BIRTHDATE"],
    "44040119580101000X": [],  # 珠海市市辖区, a retired code
    "140120197901010008": [],  # 太原市市区, a retired code
    "362324198001010014": [],
    "362324198101010011": [],
    "362324198201010019": [],
    "430302199312194239": [],
}


@pytest.mark.parametrize(("number", "problems"), [*STDNUM_CN_RIC.items(), *ID_VALIDATOR.items()])
def test_peer_vectors(number: str, problems: list[str]) -> None:
    assert check_id(number, AS_OF).problems == problems


_births = st.dates(min_value=date(1900, 1, 1), max_value=AS_OF)
_addresses = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCES)),
    st.from_regex(r"\A[0-9]{4}\Z"),
)
_seqs = st.from_regex(r"\A[0-9]{3}\Z")


@given(_addresses, _births, _seqs)
def test_property_generated_ids_are_valid(address: str, born: date, seq: str) -> None:
    number = make_id(born.strftime("%Y%m%d"), address, seq)
    result = check_id(number, AS_OF)
    assert result.problems == []
    assert result.birth_date == born
    assert quick_id(number, AS_OF) == (number, born, result.sex)


@given(_addresses, _births, _seqs, st.integers(0, 16), st.integers(1, 9))
def test_property_one_changed_digit_is_refused(
    address: str, born: date, seq: str, position: int, shift: int
) -> None:
    number = make_id(born.strftime("%Y%m%d"), address, seq)
    digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + digit + number[position + 1 :]
    problems = check_id(changed, AS_OF).problems
    if changed[:2] in PROVINCES:
        assert "ID_BAD_CHECKSUM" in problems
    else:
        assert problems == ["ID_INVALID_FORMAT"]


@given(
    _addresses,
    _births,
    _seqs,
    st.sampled_from(sorted({f"{n:02d}" for n in range(100)} - PROVINCES)),
)
def test_property_a_non_province_prefix_is_refused_even_with_its_check_character(
    address: str, born: date, seq: str, prefix: str
) -> None:
    """Change the first two digits into no province and recompute the check character:
    the checksum is right, the number is still no one's ID."""
    number = make_id(born.strftime("%Y%m%d"), prefix + address[2:], seq)
    assert check_character(number[:17]) == number[17]
    result = check_id(number, AS_OF)
    assert result.problems == ["ID_INVALID_FORMAT"]
    assert result.params("ID_INVALID_FORMAT")["province"] == prefix
    assert quick_id(number, AS_OF) is None


@given(_addresses, _births, _seqs, st.sampled_from(script_zeros()), st.data())
def test_property_digits_of_any_script_are_the_ascii_id(
    address: str, born: date, seq: str, zero: str, data: st.DataObject
) -> None:
    """An ID typed (or pasted) in Arabic-Indic, Devanagari … digits, wholly or in part, is
    the ASCII ID: stored as ASCII, so DUPLICATE_PERSON and the history still match."""
    number = make_id(born.strftime("%Y%m%d"), address, seq)
    at = data.draw(st.integers(0, 17))
    end = data.draw(st.integers(at + 1, 18))
    typed = number[:at] + in_script(number[at:end], zero) + number[end:]
    result = check_id(typed, AS_OF)
    assert result.problems == []
    assert result.number == number
    assert result.number.isascii()


@pytest.mark.parametrize("zero", ["٠", "۰", "०", "০", "๐", "߀", "０"])
def test_arabic_indic_and_other_digits_fold(zero: str) -> None:
    number = make_id()
    assert check_id(in_script(number, zero), AS_OF).number == number
    account = make_account()
    assert normalise_account(in_script(account, zero)) == account
    assert account_problem(in_script(account, zero)) is None
    assert normalise_phone(in_script("138 0000 0000", zero)) == "13800000000"
    assert phone_valid(in_script("0313-1234567", zero))


def test_a_letter_that_looks_like_a_digit_is_still_refused() -> None:
    number = make_id()
    assert check_id(number[:5] + "O" + number[6:], AS_OF).problems == ["ID_INVALID_FORMAT"]
    assert check_id(number[:17] + "Х", AS_OF).problems == ["ID_INVALID_FORMAT"]  # Cyrillic Ха


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
