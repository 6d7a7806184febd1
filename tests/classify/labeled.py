"""A labeled set of columns generated with Faker: personal data in several locales, decoys that look like
it, names that help, say nothing, or mislead, and nulls mixed in.

Each column carries the entities a correct classifier may answer (empty: no personal data). Entities
whose values prove nothing without a name (dates of birth, passports, driving licences, single
latitudes) always get a telling name; the others get a telling, a neutral or a misleading one.
Used by the detection-quality test and by benchmarks/pii.py.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from faker import Faker

from lily.classify import tags
from tests.classify import synthetic

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR")
# Locales the quality test never sees, for a second look at generality (benchmarks/pii.py --holdout).
HOLDOUT_LOCALES = ("pl_PL", "sv_SE", "da_DK", "fr_CA", "en_CA", "de_AT", "de_CH", "es_MX", "pt_PT", "en_AU",
                   "en_IE", "fi_FI")
# Other scripts and name orders (Cyrillic, Greek, family name first), Central European and Indonesian
# streets: the quality test's second set.
WORLD_LOCALES = ("ru_RU", "uk_UA", "bg_BG", "el_GR", "hu_HU", "ro_RO", "cs_CZ", "hr_HR", "id_ID", "lt_LT",
                 "tr_TR", "no_NO")
# Scripts without capitals or without spaces between words: Chinese, Japanese and Korean names written
# family name first and often unspaced, Arabic, Hebrew, Persian, Thai and Hindi names, prose without spaces.
ASIAN_AND_MIDDLE_EASTERN_LOCALES = ("zh_CN", "ja_JP", "ko_KR", "ar_SA", "he_IL", "fa_IR", "th_TH", "hi_IN")


@dataclass(frozen=True)
class LabeledColumn:
    name: str
    values: list[object]
    accepted: frozenset[str]      # entities a correct answer may name; empty: no personal data
    locale: str
    kind: str                     # what generated it, for failure reports

    @property
    def entity(self) -> str | None:
        return min(self.accepted) if self.accepted else None


Make = Callable[[Faker, random.Random, str], object]

NEUTRAL = ("col_{k}", "field{k}", "attr_{k}", "c{k}", "value_{k}", "data_{k}", "x{k}", "f_{k}", "column{k}")
MISLEADING = ("ref", "payload", "info", "misc", "extra", "key_{k}", "meta", "tmp_{k}", "raw")

_NAT_ID_NAMES = {
    "en_US": ("ssn", "social_security_number"), "en_GB": ("nino", "national_insurance_number", "ni_number"),
    "de_DE": ("steuer_id", "steuerid", "tax_id"), "fr_FR": ("nir", "numero_secu", "num_securite_sociale"),
    "es_ES": ("dni", "nif", "documento"), "it_IT": ("codice_fiscale", "cf", "tax_code"),
    "nl_NL": ("bsn", "burgerservicenummer"), "pt_BR": ("cpf", "cpf_cliente"),
}

# What Faker's ssn() is in each locale: its own national number, or (where it has none) a US SSN.
_NATIONAL_ENTITY = {
    **{locale: tags.NATIONAL_ID for locale in ("en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR",
                                               "pl_PL", "sv_SE", "en_CA", "de_AT", "de_CH", "fi_FI")},
    **{locale: tags.US_SSN for locale in ("en_US", "da_DK", "fr_CA", "pt_PT", "en_AU", "en_IE")},
}


def _national_id(fake: Faker, rng: random.Random, locale: str) -> object:
    if locale == "de_DE":
        return synthetic.german_tax_id(rng)
    if locale == "es_ES":
        return fake.nif() if rng.random() < 0.6 else fake.nie()
    if locale == "pt_BR":
        return fake.cpf() if rng.random() < 0.5 else fake.ssn()
    return fake.ssn()


def _dob(fake: Faker, rng: random.Random, locale: str) -> object:
    born = fake.date_of_birth(minimum_age=18, maximum_age=95)
    layout = rng.choice(("iso", "iso", "local", "date"))
    if layout == "date":
        return born
    if layout == "iso":
        return born.isoformat()
    return born.strftime("%m/%d/%Y" if locale == "en_US" else ("%d.%m.%Y" if locale.startswith("de") else "%d/%m/%Y"))


def _notes(entity_maker: Make, share: float) -> Make:
    def make(fake: Faker, rng: random.Random, locale: str) -> object:
        words = fake.sentence(nb_words=rng.randint(6, 14)).rstrip(".")
        if rng.random() < share:
            cut = rng.randint(1, 5)
            head, tail = words.split(" ")[:cut], words.split(" ")[cut:]
            return " ".join([*head, str(entity_maker(fake, rng, locale)), *tail]) + "."
        return words + "."
    return make


def _phone(fake: Faker, rng: random.Random, locale: str) -> object:
    return fake.phone_number()


def _email(fake: Faker, rng: random.Random, locale: str) -> object:
    return fake.email() if rng.random() < 0.7 else fake.free_email()


def _address(fake: Faker, rng: random.Random, locale: str) -> object:
    return fake.street_address() if rng.random() < 0.6 else fake.address()


def _latlng(fake: Faker, rng: random.Random, locale: str) -> object:
    lat, lng = fake.latlng()
    return rng.choice((f"{lat}, {lng}", f"{lat},{lng}", f"({lat}, {lng})"))


# (entity, telling names, value maker, name styles allowed)
PII: tuple[tuple[str, tuple[str, ...], Make, tuple[str, ...]], ...] = (
    (tags.EMAIL, ("email", "e_mail", "emailAddress", "contact_email", "courriel", "correo", "E-Mail"), _email,
     ("telling", "neutral", "misleading")),
    (tags.PHONE, ("phone", "phone_number", "telefon", "telephone", "telefono", "mobile", "tel", "celular"), _phone,
     ("telling", "neutral")),
    (tags.CREDIT_CARD, ("card_number", "credit_card", "cc_number", "pan", "kreditkarte", "numero_carte"),
     lambda f, r, loc: f.credit_card_number(), ("telling", "neutral", "misleading")),
    (tags.IBAN, ("iban", "bank_iban", "IBAN"), lambda f, r, loc: f.iban(), ("telling", "neutral", "misleading")),
    (tags.IP_ADDRESS, ("ip", "ip_address", "client_ip", "remote_addr", "source_ip"),
     lambda f, r, loc: r.choice((f.ipv4_public, f.ipv4_private, f.ipv4))(), ("telling", "neutral", "misleading")),
    (tags.IP_ADDRESS, ("ipv6", "client_ip", "ip_addr"), lambda f, r, loc: f.ipv6(), ("telling", "neutral")),
    (tags.IP_ADDRESS, ("host_ip", "lan_ip", "device_ip"),
     lambda f, r, loc: r.choice((f"10.0.{r.randint(0, 40)}.{r.randint(1, 254)}",
                                 f"192.168.{r.randint(0, 9)}.{r.randint(1, 254)}")), ("telling", "neutral")),
    (tags.PERSON_NAME, ("name", "full_name", "customer_name", "nom_complet", "nombre_completo", "kundenname"),
     lambda f, r, loc: f.name(), ("telling", "neutral", "misleading")),
    (tags.PERSON_NAME, ("first_name", "vorname", "prenom", "nombre", "voornaam", "firstName"),
     lambda f, r, loc: f.first_name(), ("telling", "neutral")),
    (tags.PERSON_NAME, ("last_name", "surname", "nachname", "apellido", "cognome", "achternaam", "sobrenome"),
     lambda f, r, loc: f.last_name(), ("telling",)),
    (tags.STREET_ADDRESS, ("address", "street_address", "adresse", "direccion", "indirizzo", "adres", "endereco"),
     _address, ("telling", "neutral")),
    (tags.DATE_OF_BIRTH, ("date_of_birth", "dob", "birth_date", "geburtsdatum", "date_naissance",
                          "fecha_nacimiento", "data_nascita", "geboortedatum", "birthday"), _dob, ("telling",)),
    (tags.PASSPORT, ("passport_number", "passport", "passport_no", "numero_passeport", "pasaporte"),
     lambda f, r, loc: f.passport_number(), ("telling",)),
    (tags.DRIVER_LICENSE, ("driver_license", "drivers_license_number", "dl_number", "fuehrerschein_nr",
                           "permis_de_conduire", "licencia_conducir"),
     lambda f, r, loc: synthetic.driving_licence(r, loc), ("telling",)),
    (tags.GPS_COORDINATES, ("latitude", "lat", "gps_lat"), lambda f, r, loc: float(f.latitude()), ("telling",)),
    (tags.GPS_COORDINATES, ("longitude", "lng", "lon"), lambda f, r, loc: float(f.longitude()), ("telling",)),
    (tags.GPS_COORDINATES, ("coordinates", "location", "latlng", "geo"), _latlng, ("telling", "neutral")),
    (tags.CRYPTO_WALLET, ("wallet", "btc_address", "wallet_address", "payout_wallet"),
     lambda f, r, loc: synthetic.crypto_wallet(r), ("telling", "neutral", "misleading")),
)

FREE_TEXT: tuple[tuple[frozenset[str], Make], ...] = (
    (frozenset({tags.EMAIL}), _notes(_email, 0.35)),
    (frozenset({tags.PHONE}), _notes(_phone, 0.35)),
    (frozenset({tags.EMAIL, tags.PHONE}),
     _notes(lambda f, r, loc: _email(f, r, loc) if r.random() < 0.5 else _phone(f, r, loc), 0.4)),
)


def _version(fake: Faker, rng: random.Random, locale: str) -> object:
    return ".".join(str(rng.choice((0, 1, 1, 2, 3, 4, 5, 10, 12, rng.randint(0, 20)))) for _ in range(4))


def _sku(fake: Faker, rng: random.Random, locale: str) -> object:
    return f"{fake.lexify('???').upper()}-{rng.randint(1000, 99999)}-{rng.choice(('XS', 'S', 'M', 'L', 'XL'))}"


# (telling names, value maker): columns without personal data.
DECOYS: tuple[tuple[tuple[str, ...], Make], ...] = (
    (("id", "uuid", "event_id"), lambda f, r, loc: str(uuid.UUID(int=r.getrandbits(128), version=4))),
    (("order_id", "order_ref"), lambda f, r, loc: f"ORD-{r.randint(2019, 2025)}-{r.randint(0, 999999):06d}"),
    (("md5", "checksum", "etag"), lambda f, r, loc: f.md5()),
    (("sha1", "commit"), lambda f, r, loc: f.sha1()),
    (("sha256", "digest_value"), lambda f, r, loc: f.sha256()),
    (("hostname", "host", "server"), lambda f, r, loc: f.hostname()),
    (("domain", "website_domain"), lambda f, r, loc: f.domain_name()),
    (("product_code", "sku", "article"), _sku),
    (("created_at", "updated_at", "ts"), lambda f, r, loc: f.date_time_this_decade().isoformat(sep=" ")),
    (("event_time",), lambda f, r, loc: f.iso8601()),
    (("order_date", "signup_date", "shipped_on"), lambda f, r, loc: f.date_this_decade().isoformat()),
    (("epoch", "unix_ts"), lambda f, r, loc: f.unix_time()),
    (("customer_id", "row_id", "seq"), lambda f, r, loc: r.randint(1, 10_000_000)),
    (("account_number", "big_id"), lambda f, r, loc: r.randint(10**15, 10**16 - 1)),
    (("ref_number", "tracking_number"), lambda f, r, loc: str(r.randint(10**9, 10**10 - 1))),
    (("version", "app_version", "firmware", "ip_version"), _version),
    (("isbn", "isbn10"), lambda f, r, loc: f.isbn10()),
    (("isbn13", "book_isbn"), lambda f, r, loc: f.isbn13()),
    (("ean", "barcode"), lambda f, r, loc: f.ean13()),
    (("email_sent", "phone_verified", "is_active"), lambda f, r, loc: r.random() < 0.5),
    (("email_sent", "ssn_checked", "card_on_file"), lambda f, r, loc: r.choice(("true", "false"))),
    (("company", "employer", "company_name"), lambda f, r, loc: f.company()),
    (("job", "job_title", "occupation"), lambda f, r, loc: f.job()),
    (("city", "town", "ville"), lambda f, r, loc: f.city()),
    (("country", "pays"), lambda f, r, loc: f.country()),
    (("color", "colour"), lambda f, r, loc: f.color_name()),
    (("price", "amount", "total"), lambda f, r, loc: round(r.uniform(1, 999), 2)),
    (("quantity", "qty", "age"), lambda f, r, loc: r.randint(1, 99)),
    (("url", "link", "homepage"), lambda f, r, loc: f.url()),
    (("user_agent", "ua"), lambda f, r, loc: f.user_agent()),
    (("file_path", "path"), lambda f, r, loc: f.file_path()),
    (("mac_address", "mac"), lambda f, r, loc: f.mac_address()),
    (("description", "comment", "notes"), lambda f, r, loc: f.paragraph(nb_sentences=2)),
    (("currency", "ccy"), lambda f, r, loc: f.currency_code()),
    (("postcode", "zip", "plz"), lambda f, r, loc: f.postcode()),
    (("license_plate", "plate"), lambda f, r, loc: f.license_plate()),
    (("card_expiry", "exp_date"), lambda f, r, loc: f.credit_card_expire()),
    (("cvv", "security_code"), lambda f, r, loc: f.credit_card_security_code()),
    (("card_type", "card_brand"), lambda f, r, loc: f.credit_card_provider()),
    (("email_domain", "mail_domain"), lambda f, r, loc: f.free_email_domain()),
    (("phone_type", "contact_channel"), lambda f, r, loc: r.choice(("mobile", "home", "work", "fax"))),
    (("product_name", "name", "item"), lambda f, r, loc: " ".join(w.capitalize() for w in f.words(r.randint(2, 3)))),
    (("swift", "bic"), lambda f, r, loc: f.swift()),
    (("status", "state"), lambda f, r, loc: r.choice(("open", "closed", "pending", "failed"))),
    (("username", "login"), lambda f, r, loc: f.user_name()),
    (("score", "ratio", "temperature"), lambda f, r, loc: round(r.uniform(-90, 90), 4)),
    (("year", "model_year"), lambda f, r, loc: r.randint(1950, 2025)),
    (("random_digits", "code16"), lambda f, r, loc: "".join(str(r.randint(0, 9)) for _ in range(16))),
)


def _name(style: str, telling: tuple[str, ...], rng: random.Random, k: int) -> str:
    if style == "telling":
        return rng.choice(telling)
    return rng.choice(NEUTRAL if style == "neutral" else MISLEADING).format(k=k)


def _values(make: Make, fake: Faker, rng: random.Random, locale: str, rows: int) -> list[object]:
    null_share = rng.choice((0.0, 0.0, 0.05, 0.2, 0.4))
    return [None if rng.random() < null_share else make(fake, rng, locale) for _ in range(rows)]


def labeled_columns(seed: int = 15, rows: int = 200, locales: tuple[str, ...] = LOCALES) -> list[LabeledColumn]:
    """Every PII family, every free-text mix and every decoy, once per locale."""
    rng = random.Random(seed)
    out: list[LabeledColumn] = []
    for index, locale in enumerate(locales):
        fake = Faker(locale)
        fake.seed_instance(seed * 1000 + index)
        k = 0

        def add(name: str, make: Make, accepted: frozenset[str], kind: str, fake: Faker = fake,
                locale: str = locale) -> None:
            out.append(LabeledColumn(name, _values(make, fake, rng, locale, rows), accepted, locale, kind))

        for entity, telling, make, styles in PII:
            k += 1
            add(_name(rng.choice(styles), telling, rng, k), make, frozenset({entity}), entity)
        national = _NATIONAL_ENTITY.get(locale)
        if national is not None:
            k += 1
            add(_name(rng.choice(("telling", "neutral")), _NAT_ID_NAMES.get(locale, ("national_id", "id_number")),
                      rng, k), _national_id, frozenset({national}), "national_id")
        for accepted, make in FREE_TEXT:
            k += 1
            add(_name("telling", ("notes", "comments", "remarks", "bemerkungen", "commentaire", "notas"), rng, k),
                make, accepted, "free_text:" + "+".join(sorted(accepted)))
        for telling, make in DECOYS:
            k += 1
            style = "telling" if rng.random() < 0.7 else "neutral"
            add(_name(style, telling, rng, k), make, frozenset(), "decoy:" + telling[0])
    return out

