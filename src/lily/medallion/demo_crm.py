"""A deterministic demo CRM for ``pipelines/crm.yaml`` (pure generation: same seed, same bytes).

Per day, under the lake's ``sources/``: ``crm/customers/customers_<D>.csv`` (the day's full extract: names, emails, phones,
addresses, birth dates, card numbers, IBANs, free-text notes that mention emails and phone numbers)
and ``crm/orders/orders_<D>.ndjson`` (the day's orders). Defects are injected on purpose, as a real
extract has them: duplicate keys (a stale copy and an exact copy), missing and malformed emails, a
malformed CSV line, a birth date that is not a date, a row without its key; orders of unknown
customers, an order dated a year ahead, a re-sent order, a line that is not JSON, an amount that is
not a number.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from faker import Faker

from lily.pipelines.storage import LakeStorage

LOCALES = {"en_US": "US", "de_DE": "DE", "fr_FR": "FR", "en_GB": "GB", "nl_NL": "NL", "es_ES": "ES"}
SEGMENTS = (("consumer", 0.7), ("smb", 0.25), ("enterprise", 0.05))
STATUSES = ("placed", "shipped", "delivered", "delivered", "cancelled", "returned")
CHANNELS = ("web", "web", "app", "store", "phone")
CURRENCIES = {"US": "USD", "GB": "GBP"}
ROOT = "sources/crm"  # not raw/: the log pipeline's ingest moves whatever lands there
CUSTOMER_COLUMNS = ("customer_id", "name", "email", "phone", "street_address", "city", "country", "birth_date",
                    "card_number", "iban", "segment", "signup_date", "notes", "updated_at")


@dataclass(frozen=True)
class DemoFile:
    name: str  # relative to the lake root
    data: bytes


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    email: str
    phone: str
    street_address: str
    city: str
    country: str
    birth_date: str
    card_number: str
    iban: str
    segment: str
    signup_date: str
    notes: str
    updated_at: str

    def row(self) -> list[str]:
        return [getattr(self, c) for c in CUSTOMER_COLUMNS]


def _at(day: date, rng: random.Random) -> str:
    moment = datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _segment(rng: random.Random) -> str:
    return rng.choices([s for s, _ in SEGMENTS], [w for _, w in SEGMENTS])[0]


def _note(fake: Faker, rng: random.Random, email: str, phone: str) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return f"Prefers to be contacted at {email} rather than by phone."
    if kind == 1:
        return f"Call back on {phone} after 5pm about the last delivery."
    if kind == 2:
        return f"Asked to send invoices to {fake.email()} and to call {fake.phone_number()} if needed."
    return fake.sentence(nb_words=8)


class _Crm:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker(list(LOCALES))
        self.fake.seed_instance(seed)
        self.customers: list[Customer] = []

    def new_customer(self, day: date) -> Customer:
        locale = self.rng.choice(list(LOCALES))
        fake = self.fake[locale]
        email, phone = fake.email(), fake.phone_number()
        return Customer(
            customer_id=f"C{len(self.customers) + 1:05d}", name=fake.name(), email=email, phone=phone,
            street_address=fake.street_address().replace("\n", ", "), city=fake.city(), country=LOCALES[locale],
            birth_date=fake.date_of_birth(minimum_age=18, maximum_age=90).isoformat(),
            card_number=fake.credit_card_number(), iban=fake.iban(), segment=_segment(self.rng),
            signup_date=day.isoformat(), notes=_note(fake, self.rng, email, phone), updated_at=_at(day, self.rng))

    def advance(self, day: date, new: int) -> None:
        """A day in the CRM: a few customers change, a few join."""
        for i, c in enumerate(self.customers):
            if self.rng.random() < 0.03:
                fake = self.fake[self.rng.choice(list(LOCALES))]
                self.customers[i] = replace(c, email=fake.email(), segment=_segment(self.rng),
                                            updated_at=_at(day, self.rng))
        for _ in range(new):
            self.customers.append(self.new_customer(day))


def _malformed_email(c: Customer, rng: random.Random) -> str:
    local = c.email.split("@")[0]
    return rng.choice([f"{local}@", f"{local} at example.com", f"{local}@@example.com", local])


def customers_csv(crm: _Crm, day: date) -> bytes:
    rng = crm.rng
    rows = []
    for c in crm.customers:
        roll = rng.random()
        if roll < 0.02:
            c = replace(c, email="")
        elif roll < 0.04:
            c = replace(c, email=_malformed_email(c, rng))
        rows.append(c.row())
    if len(crm.customers) >= 3:
        stale = replace(rng.choice(crm.customers), segment="consumer", updated_at=_at(day - timedelta(days=30), rng))
        rows.insert(rng.randrange(len(rows)), stale.row())  # an older version of a customer: de-duplicated
        rows.insert(rng.randrange(len(rows)), list(rng.choice(rows)))  # an exact copy of a line
        bad_date = replace(rng.choice(crm.customers), birth_date="31/02/1990")
        rows.append(bad_date.row())  # not a date: rejected (its other copy in the file is kept)
        rows.append(replace(crm.customers[0], customer_id="").row())  # no key: rejected
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CUSTOMER_COLUMNS)
    writer.writerows(rows)
    text = out.getvalue()
    if len(crm.customers) >= 3:
        text += "C99999,Broken Row,broken@example.com,not,a,complete,record\n"  # wrong number of fields
    return text.encode()


def orders_ndjson(crm: _Crm, day: date, count: int) -> bytes:
    rng = crm.rng
    lines = []
    for i in range(count):
        c = rng.choice(crm.customers)
        order_day = day if rng.random() > 0.05 else day - timedelta(days=1)  # a few arrive a day late
        lines.append({
            "order_id": f"O{day:%Y%m%d}{i + 1:05d}", "customer_id": c.customer_id,
            "order_date": order_day.isoformat(), "amount": round(rng.lognormvariate(3.6, 0.9), 2),
            "currency": CURRENCIES.get(c.country, "EUR"), "status": rng.choice(STATUSES),
            "channel": rng.choice(CHANNELS), "updated_at": _at(day, rng),
        })
    if lines:
        lines.append({**lines[0], "customer_id": "C99998"})  # unknown customer
        lines[-1]["order_id"] += "U"
        lines.append({**lines[1 % len(lines)], "order_id": f"O{day:%Y%m%d}99999", "customer_id": "C99999"})
        lines.append({**lines[2 % len(lines)], "order_id": f"O{day:%Y%m%d}99998",
                      "order_date": (day + timedelta(days=365)).isoformat()})  # a year ahead
        lines.append({**lines[0], "status": "cancelled", "updated_at": _at(day, rng)})  # re-sent: latest wins
        lines.append({**lines[3 % len(lines)], "order_id": f"O{day:%Y%m%d}99997", "amount": "n/a"})
    text = "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
    return (text + '{"order_id": "broken", "amount": \n').encode()  # not JSON


def resent(extract: bytes) -> bytes:
    """The extract sent twice in one file (a retried export appending to its output): every key
    repeated, so the bronze duplicate-key check fails the gate and the day is quarantined."""
    header, _, rows = extract.partition(b"\n")
    return header + b"\n" + rows + rows


def generate(first: date, days: int, seed: int = 42, *, customers: int = 200, orders_per_day: int = 120,
             resent_days: Collection[int] = ()) -> list[DemoFile]:
    """``resent_days``: offsets (0 = ``first``) of days whose customer extract arrives twice."""
    crm = _Crm(seed)
    files = []
    for k in range(days):
        day = first + timedelta(days=k)
        crm.advance(day, customers if k == 0 else max(1, customers // 50))
        extract = customers_csv(crm, day)
        files.append(DemoFile(f"{ROOT}/customers/customers_{day.isoformat()}.csv",
                              resent(extract) if k in resent_days else extract))
        files.append(DemoFile(f"{ROOT}/orders/orders_{day.isoformat()}.ndjson", orders_ndjson(crm, day, orders_per_day)))
    return files


def write_files(storage: LakeStorage, files: list[DemoFile]) -> None:
    """Put the files in the lake (a directory or an S3 prefix), under their names as keys."""
    for f in files:
        storage.write_bytes(f.name, f.data)
