"""ORM classes of the catalogue, named after Open Referral HSDS 3.0 tables and fields.

Deviations from HSDS, each for a reason:

* ``location`` carries its one postal address (HSDS 3.0 has a separate ``address`` table); the
  export writes it back as an HSDS ``addresses`` array.
* ``service_taxonomy`` (the HSDS 2 name the issue uses) links services to terms with a ``weight``
  so that a service's main topic outranks a side topic.
* ``eligibility`` rows hold residence-status codes of the contract; ages stay in the HSDS
  ``service.minimum_age`` / ``maximum_age`` fields.
* ``translation`` keeps every user-visible text per language with a ``reviewed`` flag, linked like
  HSDS 3.0 ``attribute`` rows (``link_type`` + ``link_id`` + ``link_field``).
* ``service.source_url`` / ``source_date`` keep the provenance a person needs to re-check a fact;
  ``assured_date`` (HSDS) is what the API calls ``last_verified``.
* ``district`` / ``district_alias`` model Münster's Stadtteile and Stadtbezirke; ``service_area``
  points at them. ``service_search`` and ``search_vocab`` are derived search tables.

The schema itself is created by the Alembic migrations in ``migrations/versions``; these classes
must stay in step with them (a test compares both).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Organization(Base):
    __tablename__ = "organization"
    id = Column(String(80), primary_key=True)
    name = Column(Text, nullable=False)
    description = Column(Text)
    email = Column(String(200))
    url = Column(String(500))


class Service(Base):
    __tablename__ = "service"
    id = Column(String(80), primary_key=True)
    organization_id = Column(String(80), ForeignKey("organization.id"), index=True)
    name = Column(Text, nullable=False)
    description = Column(Text)
    url = Column(String(500))
    email = Column(String(200))
    status = Column(String(20), nullable=False, default="active")
    fees_description = Column(Text)
    eligibility_description = Column(Text)
    minimum_age = Column(Integer)
    maximum_age = Column(Integer)
    opening_hours_text = Column(Text)
    language_note = Column(Text)
    source_url = Column(Text, nullable=False)
    source_date = Column(Text)
    assured_date = Column(Date, nullable=False)


class Location(Base):
    __tablename__ = "location"
    id = Column(String(100), primary_key=True)
    organization_id = Column(String(80), ForeignKey("organization.id"))
    name = Column(Text)
    location_type = Column(String(20), nullable=False, default="physical")
    address_1 = Column(Text)
    postal_code = Column(String(60))
    city = Column(String(80))
    country = Column(String(2))
    district_id = Column(String(80), ForeignKey("district.id"))


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id = Column(String(200), primary_key=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    location_id = Column(String(100), ForeignKey("location.id", ondelete="CASCADE"),
                         nullable=False)


class Phone(Base):
    __tablename__ = "phone"
    id = Column(String(120), primary_key=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id = Column(String(100), ForeignKey("location.id", ondelete="CASCADE"))
    number = Column(String(60), nullable=False)
    type = Column(String(20), nullable=False, default="voice")
    description = Column(Text)


class Schedule(Base):
    __tablename__ = "schedule"
    id = Column(String(120), primary_key=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id = Column(String(100), ForeignKey("location.id", ondelete="CASCADE"))
    freq = Column(String(10))
    byday = Column(String(60))
    opens_at = Column(String(5))
    closes_at = Column(String(5))
    description = Column(Text)
    notes = Column(Text)


class Language(Base):
    __tablename__ = "language"
    id = Column(String(120), primary_key=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), index=True)
    code = Column(String(10), nullable=False)
    name = Column(String(60))
    note = Column(Text)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    id = Column(String(60), primary_key=True)
    code = Column(String(60), nullable=False)
    name = Column(Text, nullable=False)
    description = Column(Text)
    parent_id = Column(String(60), ForeignKey("taxonomy_term.id"))
    taxonomy = Column(String(60), nullable=False)


class ServiceTaxonomy(Base):
    __tablename__ = "service_taxonomy"
    __table_args__ = (
        UniqueConstraint("service_id", "taxonomy_term_id"),
        Index("ix_service_taxonomy_term", "taxonomy_term_id", "service_id"),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), nullable=False)
    taxonomy_term_id = Column(String(60), ForeignKey("taxonomy_term.id"), nullable=False)
    weight = Column(Float, nullable=False, default=1.0)


class Eligibility(Base):
    __tablename__ = "eligibility"
    id = Column(Integer, primary_key=True, autoincrement=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    residence_status = Column(String(40), nullable=False)


class CostOption(Base):
    __tablename__ = "cost_option"
    id = Column(Integer, primary_key=True, autoincrement=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    option = Column(Text)
    amount = Column(Numeric(10, 2, asdecimal=False))
    currency = Column(String(3))
    amount_description = Column(Text)


class District(Base):
    __tablename__ = "district"
    id = Column(String(80), primary_key=True)
    name = Column(Text, nullable=False)
    kind = Column(String(20), nullable=False)
    stadtbezirk = Column(String(40), nullable=False)
    teilbereich = Column(String(60))
    source_url = Column(Text)


class DistrictAlias(Base):
    __tablename__ = "district_alias"
    id = Column(Integer, primary_key=True, autoincrement=True)
    district_id = Column(String(80), ForeignKey("district.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    alias = Column(Text, nullable=False)


class ServiceArea(Base):
    __tablename__ = "service_area"
    id = Column(Integer, primary_key=True, autoincrement=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    district_id = Column(String(80), ForeignKey("district.id"), nullable=False)
    name = Column(Text)
    description = Column(Text)


class Translation(Base):
    __tablename__ = "translation"
    __table_args__ = (
        UniqueConstraint("link_type", "link_id", "link_field", "language"),
        Index("ix_translation_link", "link_type", "link_id"),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    link_type = Column(String(30), nullable=False)
    link_id = Column(String(120), nullable=False)
    link_field = Column(String(40), nullable=False)
    language = Column(String(10), nullable=False)
    text = Column(Text, nullable=False)
    reviewed = Column(Boolean, nullable=False, default=False)


class ServiceSearch(Base):
    """One narrow denormalised row per service: a search reads only these small rows.

    ``id`` is the integer key shared with ``search_document`` and ``search_term``.
    """

    __tablename__ = "service_search"
    id = Column(Integer, primary_key=True, autoincrement=True)
    service_id = Column(String(80), ForeignKey("service.id", ondelete="CASCADE"), nullable=False,
                        unique=True)
    sort_name = Column(Text, nullable=False)
    stadtteile = Column(Text, nullable=False, default="")
    stadtbezirke = Column(Text, nullable=False, default="")
    languages = Column(Text, nullable=False, default="")
    statuses = Column(Text, nullable=False, default="")
    minimum_age = Column(Integer)
    maximum_age = Column(Integer)
    free = Column(Boolean, nullable=False, default=False)


class SearchDocument(Base):
    """The normalised words of a service in every language (full-text index content).

    Kept apart from ``service_search`` so that filtering and ranking read small rows only.
    """

    __tablename__ = "search_document"
    id = Column(Integer, ForeignKey("service_search.id", ondelete="CASCADE"), primary_key=True,
                autoincrement=False)
    name_norm = Column(Text, nullable=False)
    doc = Column(Text, nullable=False)


class SearchTerm(Base):
    """Taxonomy terms per search row with integer keys (topic filter = one index range)."""

    __tablename__ = "search_term"
    __table_args__ = {"sqlite_with_rowid": False}
    taxonomy_term_id = Column(String(60), primary_key=True)
    search_id = Column(Integer, ForeignKey("service_search.id", ondelete="CASCADE"),
                       primary_key=True)
    weight = Column(Float, nullable=False)


class SearchSchedule(Base):
    """Structured opening hours per search row, weekdays as a bit mask (bit 0 = Monday).

    "Open now" then is a few integer comparisons on a primary-key seek per candidate.
    ``uncertain`` marks exceptions the catalogue cannot check (school holidays).
    """

    __tablename__ = "search_schedule"
    __table_args__ = {"sqlite_with_rowid": False}
    search_id = Column(Integer, ForeignKey("service_search.id", ondelete="CASCADE"),
                       primary_key=True)
    seq = Column(Integer, primary_key=True)
    freq = Column(String(10), nullable=False)
    day_mask = Column(Integer, nullable=False)
    byday = Column(String(60), nullable=False)
    opens_at = Column(String(5), nullable=False)
    closes_at = Column(String(5), nullable=False)
    uncertain = Column(Boolean, nullable=False)


class SearchVocab(Base):
    """Distinct words of the search documents with their document frequency (typo tolerance)."""

    __tablename__ = "search_vocab"
    id = Column(Integer, primary_key=True, autoincrement=True)
    term = Column(Text, nullable=False, unique=True)
    doc_count = Column(Integer, nullable=False)


class CatalogMeta(Base):
    """Small facts about the catalogue itself: where its content came from (``origin``:
    seed or import) and the fingerprint of the seed files it was built from."""

    __tablename__ = "catalog_meta"
    key = Column(String(60), primary_key=True)
    value = Column(Text, nullable=False)


class HandoffRequest(Base):
    """A request to talk to a person. Deliberately holds no message text (data minimisation)."""

    __tablename__ = "handoff_request"
    __table_args__ = (CheckConstraint("status IN ('open', 'done')", name="ck_handoff_status"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(100), nullable=False, index=True)
    language = Column(String(10), nullable=False)
    topic = Column(String(60))
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    status = Column(String(10), nullable=False, default="open")


class StaffUser(Base):
    __tablename__ = "staff_user"
    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(100), nullable=False, unique=True)
    password_hash = Column(Text, nullable=False)
    failed_attempts = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
