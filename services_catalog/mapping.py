"""How the source records' vocabulary and free texts map onto the catalogue's structures.

Everything here is a reading of the German source text, kept as data so a reviewer can check it
line by line. Nothing adds a fact the source does not state: an unreadable field stays ``None``.
"""
from __future__ import annotations

import datetime as dt
import re

from services_catalog.taxonomy import TERM_PARENT

#: services.json topic → (contract topic, finer term that always applies or None).
SOURCE_TOPICS: dict[str, tuple[str, str | None]] = {
    "legal_residence": ("legal_advice", None),
    "asylum": ("legal_advice", "asylum"),
    "language_course": ("language_course", None),
    "education_school": ("education", None),
    "health": ("health", None),
    "mental_health": ("health", "mental_health"),
    "housing": ("housing", None),
    "work": ("work", None),
    "recognition_of_qualifications": ("work", "recognition"),
    "family_youth": ("family_youth", None),
    "women": ("family_youth", "women"),
    "anti_discrimination": ("discrimination", "anti_discrimination_counselling"),
    "participation_volunteering": ("participation", None),
    "culture_religion": ("participation", None),
    "sport_leisure": ("participation", "sport"),
    "debt_social_benefits": ("work", "social_benefits"),
    "emergency": ("emergency", None),
}

#: Finer terms read from the German name, organisation, description and eligibility. A term is
#: only added when its parent topic is already one of the service's topics, so that a word in
#: passing ("Deutsch") cannot pull a service into an unrelated topic.
TERM_RULES: tuple[tuple[str, str], ...] = (
    (r"ausländerbehörde|aufenthaltsrecht|aufenthaltserlaubnis|aufenthaltsrechtlich|"
     r"migrationsberatung", "residence_permit"),
    (r"duldung", "toleration"),
    (r"ukraine|§\s?24|vorübergehende[nr]? schutz", "temporary_protection"),
    (r"familiennachzug|familienzusammenführung", "family_reunification"),
    (r"einbürgerung|staatsangehörigkeit", "naturalisation"),
    (r"abschiebung", "deportation"),
    (r"rückkehr", "voluntary_return"),
    (r"arbeitserlaubnis|beschäftigungserlaubnis", "work_permission"),
    (r"asyl|geflüchtete|flüchtling", "asylum"),
    (r"integrationskurs", "integration_course"),
    (r"deutsch als fremdsprache|deutschkurs|sprachkurs|sprachförderung|\bdaf\b|volkshochschule",
     "german_course"),
    (r"volkshochschule", "integration_course"),
    (r"alphabet", "literacy"),
    (r"herkunftssprach", "heritage_language"),
    (r"schule|schül", "school"),
    (r"berufskolleg", "vocational_school"),
    (r"universität|hochschule|studium", "university"),
    (r"zeugnis", "certificate_recognition"),
    (r"bildung|volkshochschule|weiterbildung|seminar", "adult_education"),
    (r"ohne krankenversicherung|nicht versichert|nicht-versicherte", "no_insurance"),
    (r"gesundheits- und veterinäramt|gesundheitsamt|masern", "public_health"),
    (r"schwanger", "pregnancy"),
    (r"medizin|ärzt|sprechstunde für menschen", "doctor"),
    (r"psych|depression|seelsorge|trauma|folter", "mental_health"),
    (r"wohnberechtigungsschein|\bwbs\b", "housing_entitlement"),
    (r"wohnungssuche|wohnraum|zuhause finden|wohnlotsen|wohnungsproblem|wohnung", "flat_search"),
    (r"mieter|mietrecht", "tenant_rights"),
    (r"wohnungslos|obdachlos|übernachtungsstelle|frauenhaus", "homelessness"),
    (r"übergangseinrichtung|erstaufnahme|unterkunft", "refugee_accommodation"),
    (r"jobcenter|bürgergeld", "job_centre"),
    (r"ausbildung|handwerk", "apprenticeship"),
    (r"arbeit|bewerbung|berufsberatung|praktik|job", "job_search"),
    (r"existenzgründung|gründung", "business_startup"),
    (r"sozialhilfe|grundsicherung|asylblg|bürgergeld|sozialberatung|existenzsicherung|"
     r"leistungen", "social_benefits"),
    (r"schuldner|schulden|finanzielle not", "debt_counselling"),
    (r"kita|kindergarten|kindertages", "daycare"),
    (r"jugend|junge menschen|junge erwachsene|mädchen", "youth"),
    (r"famili", "family_counselling"),
    (r"kindergeld|elterngeld|familienleistung", "family_benefits"),
    (r"unbegleitet", "unaccompanied_minors"),
    (r"frauen|mütter|mädchen", "women"),
    (r"diskriminierung", "anti_discrimination_counselling"),
    (r"rassismus", "racism"),
    (r"ehrenamt|freiwillig|engagier", "volunteering"),
    (r"integrationsrat", "integration_council"),
    (r"verein|migrantenorganisation|migrantenselbstorganisation", "migrant_organisations"),
    (r"kultur", "culture"),
    (r"relig|kirch|evangelisch|katholisch|ökumenisch|bistum", "religion"),
    (r"sport", "sport"),
    (r"café|treff|begegnung|austausch", "meeting_places"),
    (r"polizei|\b110\b", "police"),
    (r"rettungsdienst|feuerwehr|\b112\b", "ambulance"),
    (r"gewalt|stalking", "violence_help"),
    (r"seelsorge|krise|suizid", "crisis_line"),
    (r"bereitschaftsdienst|116\s?117", "medical_on_call"),
    (r"frauenhaus|frauenhäuser", "womens_shelter"),
)
_COMPILED_RULES = tuple((re.compile(pattern, re.IGNORECASE), term) for pattern, term in TERM_RULES)

#: Topics whose finer term must be chosen from the text; without a hit the service keeps only
#: the top topic (which is fine: a topic filter still finds it).


def map_topics(source_topics: list[str], text: str) -> dict[str, float]:
    """Taxonomy term ids with weights: the first source topic's contract topic weighs 1.0."""
    weights: dict[str, float] = {}
    for position, source in enumerate(source_topics):
        if source not in SOURCE_TOPICS:
            raise ValueError(f"topic: unknown source topic {source!r}")
        topic, term = SOURCE_TOPICS[source]
        weight = 1.0 if position == 0 else 0.6
        weights[topic] = max(weights.get(topic, 0.0), weight)
        if term:
            weights[term] = max(weights.get(term, 0.0), weight)
    for pattern, term in _COMPILED_RULES:
        if TERM_PARENT[term] in weights and term not in weights and pattern.search(text):
            weights[term] = 0.5
    return weights


#: Ages and residence-status restrictions read from the eligibility texts (service id → ...).
#: Only restrictions the text states plainly; "Geflüchtete" alone is not turned into a status
#: list, since people without papers are advised by the same services.
ELIGIBILITY: dict[str, dict] = {
    "mamba-4u-wege-in-ausbildung-und-arbeit-fuer-gefluechtete": {"minimum_age": 15},
    "migrationsberatung-fuer-erwachsene-beratungs-und-bildungscen": {"minimum_age": 27},
    "jugendmigrationsdienst-muenster-warendorf": {"minimum_age": 12, "maximum_age": 27},
    "clearing-wohngruppen-fuer-unbegleitete-minderjaehrige-fluech": {"maximum_age": 17},
    "jobcenter-muenster": {"minimum_age": 15, "maximum_age": 65},
    "europa-bruecke-muenster-beratung-fuer-neuzugewanderte-eu-bue": {
        "residence_status": ["eu_citizen"]},
    "einbuergerungs-und-staatsangehoerigkeitsbehoerde": {
        "residence_status": ["asylum_seeker", "tolerated", "temporary_protection",
                             "residence_permit", "settlement_permit", "eu_citizen",
                             "undocumented", "unknown"]},
}

_FREE = re.compile(r"^(kostenlos|kostenfrei|gebührenfrei|anruf kostenfrei)", re.IGNORECASE)


def is_free(cost: str | None) -> bool:
    """True only when the cost text says the service itself costs nothing.

    "Lernhaus der Frauen: Teilnahme kostenlos" speaks of one part of a service and stays False.
    """
    return bool(cost and _FREE.match(cost.strip()))


_PHONE_SPLIT = re.compile(r";|\soder\s")
_PHONE_NUMBER = re.compile(r"^\s*(\+?[\d][\d\s/\-]*\d)\s*(?:\((.*)\))?\s*(.*)$")


def split_phones(text: str | None) -> list[tuple[str, str | None]]:
    """(number, description) pairs: "0251 / 492-3636 (Hotline)" → ("0251 / 492-3636", "Hotline").

    Numbers are kept as written (no area code added): a reader can still see what the source
    said, and an invented digit would send a caller to a stranger.
    """
    if not text:
        return []
    phones = []
    for part in _PHONE_SPLIT.split(text):
        match = _PHONE_NUMBER.match(part)
        if not match:
            continue
        number, note, rest = match.groups()
        description = "; ".join(x.strip() for x in (note, rest) if x and x.strip()) or None
        phones.append((number.strip(), description))
    return phones


_PHONE_VALID = re.compile(r"^\+?\d[\d /\-()]{1,40}\d$")


def valid_phone(number: str) -> bool:
    """Digits with spaces, '/', '-' or brackets and at least three digits: what imports accept."""
    return bool(_PHONE_VALID.match(number)) and sum(c.isdigit() for c in number) >= 3


_ADDRESS_NOTE = re.compile(r"^(?P<street>[^()]+?)\s*(?:\((?P<note>.*)\))?\s*$")


def split_addresses(text: str | None) -> list[tuple[str, str | None]]:
    """(address_1, location name) pairs; "Josefstr. 2 (Caritas); Hafenstr. 3–5 (GGUA)" gives two.

    Only ';' separates locations: a comma inside "Stadthaus 2, Ludgeriplatz 4" is one address.
    """
    if not text:
        return []
    result = []
    for part in text.split(";"):
        match = _ADDRESS_NOTE.match(part.strip())
        if match:
            result.append((match.group("street").strip(), match.group("note")))
    return result


_POSTCODE = re.compile(r"\b(4\d{4})\b")


def first_postcode(text: str | None) -> str | None:
    """The delivery postcode: "48151 (Postanschrift: 48127 Münster)" gives 48151."""
    match = _POSTCODE.search(text or "")
    return match.group(1) if match else None


#: Used as last_verified when a record's ``date`` holds no readable date: the day the source
#: file (services.json) was compiled and seeded into this project.
SEED_DATE = dt.date(2026, 11, 1)

_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), lambda m: (m[1], m[2], m[3])),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), lambda m: (m[3], m[2], m[1])),
    (re.compile(r"\b(\d{4})-(\d{2})\b(?!-)"), lambda m: (m[1], m[2], "1")),
    (re.compile(r"(?<![\d.\-/])((?:19|20)\d{2})(?![\d\-])"), lambda m: (m[1], "1", "1")),
)


def last_verified(date_text: str | None) -> dt.date:
    """The newest date the record's ``date`` note mentions (month or year precision rounds down
    to its first day), never later than SEED_DATE; SEED_DATE when none can be read."""
    found: list[dt.date] = []
    for pattern, parts in _DATE_PATTERNS:
        for match in pattern.finditer(date_text or ""):
            year, month, day = (int(x) for x in parts(match))
            try:
                found.append(dt.date(year, month, day))
            except ValueError:
                continue
    return min(max(found), SEED_DATE) if found else SEED_DATE


def tel_href(number: str) -> str | None:
    """A tel: link for the first dialable number of a free-text phone field.

    Numbers are stored as the source prints them ("0251 / 492-3636", "492-5135"); a local
    number without area code is a Münster (0251) number.
    """
    match = re.search(r"\+?\d[\d /\-()]{2,}\d", number)
    if not match:
        return None
    digits = re.sub(r"[^\d+]", "", match.group(0))
    if digits.startswith("0"):
        digits = "+49" + digits[1:]
    elif not digits.startswith("+") and len(digits) <= 8:
        digits = "+49251" + digits
    return f"tel:{digits}"
