"""The nationwide emergency and help numbers, as catalogue entries in the services.json shape.

They are not in the Münster source file but every emergency answer needs them. Facts are limited
to what the services' own official pages state as their purpose: the number, that the call is
free, and when it is reachable. The ids are fixed by the issue (the bot links to them).
"""
from __future__ import annotations

#: id → record in the services.json shape (plus ``id`` and ``organisation_url``).
EMERGENCY_SERVICES: tuple[dict, ...] = (
    {
        "id": "notruf-110-polizei",
        "name": "Notruf 110 – Polizei",
        "organisation": "Polizei (Polizeien des Bundes und der Länder)",
        "organisation_url": "https://www.polizei.de/",
        "topic": ["emergency"],
        "terms": ["police", "violence_help"],
        "description": "Polizeinotruf bei Gefahr für Leib und Leben, bei Gewalt, Bedrohung oder "
                       "Straftaten. Bundesweit kostenlos, auch ohne Guthaben.",
        "phone": "110",
        "website": "https://www.polizei.de/",
        "opening_hours": "rund um die Uhr",
        "cost": "kostenlos",
        "source_url": "https://www.polizei.de/",
    },
    {
        "id": "notruf-112-feuerwehr-rettungsdienst",
        "name": "Notruf 112 – Feuerwehr und Rettungsdienst",
        "organisation": "Feuerwehr und Rettungsdienst (europaweiter Notruf 112)",
        "organisation_url": "https://digital-strategy.ec.europa.eu/en/policies/112",
        "topic": ["emergency", "health"],
        "terms": ["ambulance"],
        "description": "Notruf für Feuer, Unfälle und lebensbedrohliche medizinische Notfälle. "
                       "Gilt in allen EU-Ländern, kostenlos aus Fest- und Mobilfunknetz.",
        "phone": "112",
        "website": "https://digital-strategy.ec.europa.eu/en/policies/112",
        "opening_hours": "rund um die Uhr",
        "cost": "kostenlos",
        "source_url": "https://digital-strategy.ec.europa.eu/en/policies/112",
    },
    {
        "id": "hilfetelefon-gewalt-gegen-frauen-116016",
        "name": "Hilfetelefon „Gewalt gegen Frauen“ 116 016",
        "organisation": "Hilfetelefon Gewalt gegen Frauen (Bundesamt für Familie und "
                        "zivilgesellschaftliche Aufgaben)",
        "organisation_url": "https://www.hilfetelefon.de/",
        "topic": ["emergency", "women"],
        "terms": ["violence_help", "womens_shelter"],
        "description": "Bundesweites Beratungstelefon für Frauen, die Gewalt erleben oder "
                       "erlebt haben, und für Menschen aus ihrem Umfeld. Anonym und kostenlos, "
                       "rund um die Uhr; auch Online-Beratung.",
        "phone": "116 016",
        "website": "https://www.hilfetelefon.de/",
        "opening_hours": "rund um die Uhr",
        "cost": "kostenlos",
        "source_url": "https://www.hilfetelefon.de/",
    },
    {
        "id": "aerztlicher-bereitschaftsdienst-116117",
        "name": "Ärztlicher Bereitschaftsdienst 116 117",
        "organisation": "Kassenärztliche Vereinigungen (Patientenservice 116117)",
        "organisation_url": "https://www.116117.de/",
        "topic": ["emergency", "health"],
        "terms": ["medical_on_call", "doctor"],
        "description": "Ärztliche Hilfe bei Krankheiten, mit denen man nicht bis zur nächsten "
                       "Sprechstunde warten kann, außerhalb der Praxisöffnungszeiten (nachts, "
                       "am Wochenende, an Feiertagen). Bei Lebensgefahr: 112. Der Anruf ist "
                       "kostenlos.",
        "phone": "116 117",
        "website": "https://www.116117.de/",
        # Outside practice hours only: no weekly timetable is stated, so no schedule is made.
        "opening_hours": "außerhalb der Praxisöffnungszeiten (nachts, am Wochenende und an "
                         "Feiertagen)",
        "cost": "kostenlos",
        "source_url": "https://www.116117.de/",
    },
)
