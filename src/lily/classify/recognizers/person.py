"""PERSON_NAME: no checksum exists, so a value counts fully only when it is shaped like a name (one to
five capitalised words, particles such as "van" or "da" allowed, titles and suffixes set aside, no
digits, no company form) and its first word is a known given name (or a known surname before a given
name, as Hungarian and Russian write them, or a known surname alone); the right shape alone counts
half. Without a name hint most values must be known names. The vocabulary spans Faker's locales,
Cyrillic, Greek, Arabic, Hebrew, Indic, Thai and East Asian included (``data/names.py``,
``data/names_more.py``). Scripts without capitals are not asked for them, and a Chinese or Korean
name written without a space ("王秀英", "정성호") is a known family name followed by a given name."""

from __future__ import annotations

import re
import unicodedata

from lily.classify import tags
from lily.classify.data import names, names_more, words
from lily.classify.fold import fold
from lily.classify.gates import NO_DIGIT
from lily.classify.names import hint
from lily.classify.recognizer import SHAPE, Recognizer

# Up to five words of letters, hyphens, apostrophes and periods, optionally "Surname, Given".
PATTERN = r"^[^0-9@_/\\|<>{}\[\]=+*#%$]+$"

TITLES = frozenset(fold(t).replace(".", "") for t in words("""
mr mrs ms miss mx dr prof sir dame lord lady rev fr herr frau m mme mlle me sr sra srta sres don dona
dott dottssa dottor sig sigra signor signora ing arch avv geom rag dhr mevr mevrouw mw pan pani
univprof dipl dipl-ing mag bsc ba ma msc phd drs drg ir hj
г-н г-жа г-ца др тов господин госпожа пан пані κ κος κα
الدكتور الدكتورة المهندس المهندسة السيد السيدة الأستاذ الأستاذة الشيخ آقای خانم دکتر مهندس
श्री श्रीमती सुश्री डॉ माननीय सम्मानात्मक सम्मानसूचक संमानित आदरसूचक आदरवाचक นาย นาง นางสาว ด.ช. ด.ญ.
cô quý ông bà bác
"""))  # folded as the words they are compared with (Devanagari loses its virama, Thai its periods)
SUFFIXES = words("jr sr ii iii iv v phd md dds dvm esq mba bsc ba ma msc rn cpa bed meng ing mag")
PARTICLES = words("""
van von der den de da di del della dello dei degli dos das do du le la les ten ter te zu y e bin ibn al
el st mac mc dal
""")
# A value with one of these words names an organisation, not a person.
COMPANY_WORDS = words("""
inc llc ltd plc gmbh ag kg ohg gbr ug sa sas sarl srl spa snc bv nv vof ab as asa oy oyj aps co corp
corporation company companies group holding holdings partners associates sons fils cie ltda eireli
and und et & ou trust foundation bank university school hospital services solutions systems
technologies consulting international industries enterprises
""")

# Last words that make a place of a name ("Victoria Ville", "Port Tyler" is caught by its first word).
PLACE_WORDS = words("""
ville town city burg berg borough bury stad furt mouth shire port haven side chester ton view land field
county village heights springs falls beach island valley
""")

GIVEN_NAMES = names.GIVEN_NAMES | names_more.GIVEN_NAMES
SURNAMES = names.SURNAMES | names_more.SURNAMES
# A degree after a comma ("Violet Halim, S.Psi", "Elvina Hidayat, M.Farm"), not a "Surname, Given".
_DEGREE = re.compile(r"^[^\W\d_]{1,4}\.(?:[^\W\d_]{1,6}\.?)*$")
_WORD = re.compile(r"^[^\W\d_]+(?:['\u2019.-][^\W\d_]*)*\.?$")  # \u2019: a typographic apostrophe


def _clean(token: str) -> str:
    return fold(token.strip(".,")).replace(".", "")


def _letters(word: str) -> str:
    """``word`` without its vowel signs and tone marks (Thai, Devanagari: ``\\w`` matches none of them)
    and its zero-width joiners (Indic conjuncts)."""
    if word.isascii():
        return word
    return "".join(ch for ch in word if not unicodedata.category(ch).startswith("M") and ch not in "\u200c\u200d")


def _caseless(ch: str) -> bool:
    """A letter of a script without capitals (Arabic, Hebrew, Thai, Indic, Han, Hangul, Kana), or
    Georgian: Unicode gives Mkhedruli letters capitals (Mtavruli), but names are written without them."""
    return ch.isalpha() and (ch.lower() == ch.upper() or "\u10d0" <= ch <= "\u10ff")


def _east_asian(word: str) -> bool:
    return all("CJK UNIFIED" in unicodedata.name(ch, "") or "HANGUL SYLLABLE" in unicodedata.name(ch, "")
               for ch in word)


def _family_then_given(word: str) -> float:
    """A Chinese or Korean name without a space: a known family name of one or two characters, then a
    given name (known: 1.0; one or two characters: 0.5, the shape)."""
    for cut in (1, 2):
        family, given = word[:cut], word[cut:]
        if given and _clean(family) in SURNAMES:
            if _clean(given) in GIVEN_NAMES:
                return 1.0
            if len(given) <= 2:
                return 0.5
    return 0.0


def name_words(value: str) -> list[str] | None:
    """The words of ``value`` without titles and suffixes, or ``None`` when it is not shaped like a name."""
    text = value.strip()
    if "," in text:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 2 or not parts[1]:
            return None
        text = parts[0] if _DEGREE.match(parts[1]) or _clean(parts[1]) in SUFFIXES else f"{parts[1]} {parts[0]}"
    words = text.split()
    while words and _clean(words[0]) in TITLES:
        words = words[1:]
    while len(words) > 1 and _clean(words[-1]) in SUFFIXES:
        words = words[:-1]
    if not 1 <= len(words) <= 5:
        return None
    for word in words:
        folded = _clean(word)
        if folded in COMPANY_WORDS or not _WORD.match(_letters(word)):
            return None
        if not (word[0].isupper() or _caseless(word[0])) and folded not in PARTICLES:
            return None
    if not (words[0][0].isupper() or _caseless(words[0][0])):
        return None
    return words


def validate(value: str) -> float:
    if len(value) == 1:  # a Korean or Chinese family name is one character ("김", "王")
        return 1.0 if _east_asian(value) and _clean(value) in SURNAMES else 0.0
    words = name_words(value) if len(value) <= 80 else None
    if words is None:
        return 0.0
    first = _clean(words[0])
    if len(words) > 1 and _clean(words[-1]) in PLACE_WORDS:
        return 0.5
    if len(words) == 1:
        if first in GIVEN_NAMES or first in SURNAMES:
            return 1.0
        if 2 <= len(words[0]) <= 4 and _east_asian(words[0]):
            return _family_then_given(words[0])
        return _shape_only(words[0])
    if first in GIVEN_NAMES or (len(first) == 1 and _clean(words[-1]) in SURNAMES):
        return 1.0
    if first in SURNAMES and any(_clean(w) in GIVEN_NAMES for w in words[1:]):
        return 1.0  # family name first: Hungarian, Russian and East Asian usage, rosters
    return _shape_only(words[0])


def _shape_only(first: str) -> float:
    # Without capitals the shape says little (any words are "shaped like a name"): only the vocabulary counts.
    return 0.0 if _caseless(first[0]) else 0.5


RECOGNIZER = Recognizer(
    entity=tags.PERSON_NAME, id="name.vocabulary+shape", pattern=PATTERN, validate=validate, tier=SHAPE, gate=NO_DIGIT, length=(1, 80),
    identifier=False,
    hint=hint(("firstname", "lastname", "fullname", "surname", "surnames", "forename", "forenames",
               "givenname", "familyname", "vorname", "nachname", "familienname", "prenom", "prenoms",
               "nombre", "nombres", "apellido", "apellidos", "cognome", "voornaam", "achternaam",
               "tussenvoegsel", "sobrenome", "fornavn", "efternavn", "etternavn", "fornamn", "efternamn",
               "etunimi", "sukunimi", "imie", "nazwisko", "cardholder", "accountholder", "person",
               "contact_person", "maiden_name", "middle_name", "middlename", "nome_completo", "nom_complet",
               "nombre_completo", "volledige_naam", "soyad", "soyadi", "familiya", "otchestvo", "prijmeni",
               "priezvisko", "prezime", "vezeteknev", "keresztnev", "pavarde", "uzvards", "eesnimi",
               "perekonnanimi", "prenume", "eponymo", "nama_lengkap", "prizvishche", "im_ya"),
              stems=("first_name", "last_name", "full_name", "given_name", "family_name", "sur_name",
                     "customer_name", "client_name", "contact_name", "patient_name", "employee_name",
                     "holder_name", "card_holder", "account_holder", "member_name", "guest_name",
                     "passenger_name", "recipient_name", "sender_name", "person_name", "legal_name",
                     "billing_name", "shipping_name", "nom_de_famille", "nom_famille", "cliente_nombre",
                     "nome_cliente", "kundenname", "klantnaam"),
              weak_tokens=("name", "names", "nom", "naam", "navn", "namn", "nome", "customer", "client",
                           "contact", "owner", "holder", "author", "recipient", "sender", "patient",
                           "employee", "manager", "member", "guest", "passenger", "beneficiary", "signatory",
                           "who", "kunde", "klant", "cliente", "titular", "emergency_contact", "spouse",
                           "parent", "guardian", "doctor", "physician", "nama", "imya", "jmeno", "meno", "ime",
                           "nev", "vardas", "vards", "nume", "onoma", "isim", "adi"),
              negative_tokens=(
                  "product", "company", "file", "filename", "host", "hostname", "server", "table", "column",
                  "brand", "category", "item", "app", "application", "project", "team", "org", "organization",
                  "organisation", "city", "country", "street", "domain", "business", "firm", "event", "tag",
                  "label", "bank", "store", "shop", "merchant", "vendor", "supplier", "device", "model",
                  "field", "dataset", "schema", "db", "database", "job", "role", "title", "plan", "campaign",
                  "page", "region", "state", "province", "county", "town", "place", "venue", "hotel",
                  "school", "university", "course", "group", "department", "dept", "species", "breed",
                  "color", "colour", "font", "theme", "browser", "os", "key", "queue", "topic", "metric",
                  "feature", "policy", "user", "username", "login", "screen", "nick", "nickname", "code",
                  "short", "variable", "attribute", "attr", "class", "package", "module", "function",
                  "method", "service", "cluster", "node", "bucket", "repo", "repository", "branch",
                  "instance", "zone", "building", "site", "location", "road", "ship", "vessel", "pet",
                  "animal", "drug", "medication", "disease", "currency", "language", "lang", "locale",
                  "timezone", "tz", "sku", "part", "asset", "resource", "account", "display", "file_name",
                  "stage", "step", "task", "workflow", "pipeline", "container", "image", "volume", "env",
                  "environment", "index", "sheet", "list", "menu", "provider", "carrier", "airline",
                  "airport", "station", "team_name", "game", "book", "song", "album", "artist_id", "movie",
                  "show", "channel", "network", "document", "doc", "template", "report", "dashboard",
                  "chart", "widget", "component", "contract", "region_name", "sector", "industry",
                  "segment", "tier", "unit", "uom", "material", "ingredient", "recipe", "dish",
              ),
              # Proper names of other things, many of them also surnames or given names ("León", "Lane").
              contrary_tokens=(
                  "city", "cities", "town", "village", "municipality", "commune", "ville", "ciudad", "stadt",
                  "citta", "cidade", "stad", "country", "pays", "land", "street", "road", "avenue", "company",
                  "employer", "firm", "business", "brand", "product", "store", "shop", "merchant", "vendor",
                  "supplier", "hotel", "school", "university", "airline", "airport", "station", "venue",
                  "team", "ship", "vessel", "pet", "breed", "species", "movie", "song", "album", "book",
                  "game", "region", "province", "county", "district", "neighborhood", "neighbourhood",
                  "suburb", "locality", "place", "bank", "hospital", "clinic", "club", "color", "colour",
              )),
)
