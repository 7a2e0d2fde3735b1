"""The one taxonomy: the contract's 10 topics on top, finer terms under them.

The ids are stable names used in the database, the API, the NLU entities and the label files
(``seed_data/taxonomy_labels.yml``). Change them only together with the contract.
"""
from __future__ import annotations

TOPIC_FIELDS: dict[str, str] = {
    "legal_advice": "6.2",
    "language_course": "6.4",
    "education": "6.4",
    "health": "6.8",
    "housing": "6.7",
    "work": "6.6",
    "family_youth": "6.5",
    "discrimination": "6.1",
    "participation": "6.3, 6.9, 6.10",
    "emergency": "all",
}

TERMS: dict[str, tuple[str, ...]] = {
    "legal_advice": (
        "asylum", "residence_permit", "toleration", "temporary_protection",
        "family_reunification", "naturalisation", "deportation", "work_permission",
        "voluntary_return",
    ),
    "language_course": ("integration_course", "german_course", "literacy", "heritage_language"),
    "education": ("school", "vocational_school", "university", "certificate_recognition",
                  "adult_education"),
    "health": ("doctor", "no_insurance", "mental_health", "pregnancy", "nursing_care",
               "public_health"),
    "housing": ("flat_search", "housing_entitlement", "tenant_rights", "homelessness",
                "refugee_accommodation"),
    "work": ("job_search", "job_centre", "recognition", "apprenticeship", "business_startup",
             "social_benefits", "debt_counselling"),
    "family_youth": ("daycare", "youth", "family_counselling", "family_benefits",
                     "unaccompanied_minors", "women"),
    "discrimination": ("anti_discrimination_counselling", "racism"),
    "participation": ("volunteering", "integration_council", "migrant_organisations", "culture",
                      "religion", "sport", "meeting_places"),
    "emergency": ("police", "ambulance", "violence_help", "crisis_line", "medical_on_call",
                  "womens_shelter"),
}

TOPICS: tuple[str, ...] = tuple(TOPIC_FIELDS)
TERM_PARENT: dict[str, str] = {term: topic for topic, terms in TERMS.items() for term in terms}

