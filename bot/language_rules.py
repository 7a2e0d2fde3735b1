"""Which language the bot writes in: the conversation-language rule.

The language detector names a language for every single message; the conversation's language
(the slot ``language``) must not flip on "ok", "Termin", "👍" or a district name. These pure
functions (no Rasa imports) decide when the detector is trusted, and recognise explicit requests
such as "/ar", "English please", "auf Deutsch", "بالعربي", "по-русски".
"""
from __future__ import annotations

import re
import unicodedata

from bot.normalize import normalize

LANGUAGES: tuple[str, ...] = (
    "de", "en", "ar", "tr", "ru", "uk", "fa", "ps", "ku", "ti", "so", "fr",
)
DEFAULT_LANGUAGE = "de"

# The detector switches an ongoing conversation only above this confidence...
SWITCH_CONFIDENCE = 0.80
# ...and only on a message with at least this many letters (Latin needs more: many short
# Latin words are shared between German, English, French, Turkish, Kurdish and Somali).
MIN_LETTERS = {"latin": 12, "arabic": 8, "cyrillic": 6}
# A message of at most this many letters in a single Latin word is always "unclear".
SHORT_LATIN_WORD = 5

# Letters that by themselves decide the language (a message containing them is "sure" when
# the detector agrees): Ethiopic -> Tigrinya, Pashto-only letters -> Pashto, Ukrainian-only
# letters -> Ukrainian, Russian-only letters -> Russian.
_DECISIVE = {
    "ti": re.compile(r"[\u1200-\u137F]"),
    "ps": re.compile("[ټډړږښګڼځڅېۍ]"),
    "uk": re.compile("[іїєґІЇЄҐ]"),
    "ru": re.compile("[ыэъёЫЭЪЁ]"),
}

MIN_DECISIVE_LETTERS = {"ti": 2, "ps": 2, "uk": 4, "ru": 4}
# Russian and Ukrainian share most short words letter for letter: between them only the
# decisive letters switch (see decide_language).
_CYRILLIC_PAIR = frozenset({"ru", "uk"})

# Words that are the same in every language of the bot's users; alone they say nothing about
# the language (compared in normalised, mark-free form).
_NEUTRAL_WORDS = frozenset(
    """ok okay okey oke ja yes no nein hallo hello hi hey salam salaam selam merhaba danke
    thanks thx termin kita jobcenter bamf wbs anmeldung duldung sozialamt
    auslanderbehorde integrationskurs krankenkasse kindergeld burgergeld aufenthaltstitel
    taxi bus doktor doctor pizza internet wifi whatsapp email""".split()
)


def _letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha()]


def _script(char: str) -> str:
    """Coarse script of a letter: latin, arabic, cyrillic, ethiopic or other."""
    code = ord(char)
    if code < 0x0250 or 0x1E00 <= code < 0x1F00:
        return "latin"
    if 0x0600 <= code < 0x0700 or 0x0750 <= code < 0x0780 or 0xFB50 <= code < 0xFF00:
        return "arabic"
    if 0x0400 <= code < 0x0530:
        return "cyrillic"
    if 0x1200 <= code < 0x1400:
        return "ethiopic"
    return "other"


def main_script(text: str) -> str | None:
    """The script of most letters in ``text``, or None when it has no letters."""
    counts: dict[str, int] = {}
    for char in _letters(text):
        script = _script(char)
        counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def is_unclear(text: str) -> bool:
    """True for messages that carry no language signal.

    Unclear: no letters at all (emoji, numbers, punctuation), fewer than 3 letters, a single
    Latin word of at most ``SHORT_LATIN_WORD`` letters ("ok", "kita", "jaa"), or a message made
    only of words that every user writes the same way ("Termin", "Jobcenter", "ok danke").
    Script-decisive letters (Ethiopic, Pashto-only, Ukrainian-only) are never unclear.
    """
    if any(pattern.search(text) for pattern in _DECISIVE.values()):
        return False
    letters = _letters(text)
    if len(letters) < 3:
        return True
    words = [w for w in re.split(r"[^\w]+", normalize(text, fold_latin=True)) if w]
    words = [w for w in words if not w.isdigit()]
    if not words or all(w in _NEUTRAL_WORDS for w in words):
        return True
    return len(words) == 1 and main_script(text) == "latin" and len(letters) <= SHORT_LATIN_WORD


def is_decisive(detected: str | None, text: str) -> bool:
    """True when the letters of ``text`` alone prove ``detected`` (Ethiopic for ti, ...).

    Needs a few letters too (``MIN_DECISIVE_LETTERS``): a two-letter Cyrillic word with ы is
    not enough to leave a Ukrainian conversation, a two-syllable Tigrinya word is.
    """
    pattern = _DECISIVE.get(detected or "")
    if not (pattern and pattern.search(text)):
        return False
    return len(_letters(text)) >= MIN_DECISIVE_LETTERS.get(detected or "", 4)


def is_sure(detected: str | None, confidence: float, reliable: bool, text: str) -> bool:
    """Whether a detection may switch the conversation language.

    Sure means: ``detected`` is a contract language and the message is not unclear, and either
    (a) the script decides it (``is_decisive``: Ethiopic -> ti, Pashto-only letters -> ps,
    Ukrainian-only letters -> uk, Russian-only letters -> ru), or
    (b) the detector says ``reliable`` and ``confidence >= SWITCH_CONFIDENCE`` and the message
    has at least ``MIN_LETTERS[script]`` letters (12 Latin, 8 Arabic-script, 6 Cyrillic).
    The detector's ``reliable`` flag already folds in the decisive letters and the agreement of
    its models; the letter counts here guard against confident guesses on very short text.
    """
    if detected not in LANGUAGES or is_unclear(text):
        return False
    if is_decisive(detected, text):
        return True
    script = main_script(text) or "latin"
    enough = len(_letters(text)) >= MIN_LETTERS.get(script, MIN_LETTERS["latin"])
    return bool(reliable) and confidence >= SWITCH_CONFIDENCE and enough


def decide_language(
    current: str | None,
    detected: str | None,
    confidence: float,
    reliable: bool,
    text: str,
    explicit: str | None = None,
    channel_language: str | None = None,
) -> str:
    """The conversation language after the user wrote ``text``.

    1. An explicit choice wins: ``explicit`` (button, command, setting) if it is a contract
       language, else an explicit request in the text itself (``explicit_language_request``).
    2. First message (``current`` is None): the detected language if ``is_sure``; else the
       channel/browser language; else the detector's best guess (even unsure: a guess in the
       user's script beats German); else ``DEFAULT_LANGUAGE``.
    3. Ongoing conversation: switch to ``detected`` only if ``is_sure`` (so "ok", "Termin",
       "👍", "19", "Coerde" or a short ambiguous phrase keep the current language). Between
       Russian and Ukrainian only the telling letters switch (``is_decisive``): "Я не знаю",
       "три", "квартира" are the same in both, and the detector may still be sure of one.
    Codes outside the contract are ignored wherever they come from.
    """
    if explicit in LANGUAGES:
        return explicit
    requested = explicit_language_request(text)
    if requested:
        return requested
    if detected not in LANGUAGES:
        detected = None
    sure = is_sure(detected, confidence, reliable, text)
    if current not in LANGUAGES:
        if sure and detected:
            return detected
        if channel_language in LANGUAGES:
            return channel_language
        if detected and not is_unclear(text):
            return detected
        return DEFAULT_LANGUAGE
    if sure and detected:
        if {current, detected} == _CYRILLIC_PAIR and not is_decisive(detected, text):
            return current
        return detected
    return current


# --- explicit requests ------------------------------------------------------------------------

# Ways to name each language, in the 12 languages (normalised with fold_latin when compiled).
_NAMES: dict[str, tuple[str, ...]] = {
    "de": ("deutsch", "german", "almanca", "allemand", "немецкий", "по-немецки", "німецька",
           "німецькою", "по-німецьки", "الالمانية", "الماني", "بالالماني", "بالالمانية",
           "آلمانی", "المانی", "جرمنی", "الماني", "ጀርመንኛ", "jarmal", "jarmalka", "almanî",
           "elmanî", "almani", "auf deutsch", "deutsche sprache", "doitsch", "deutch", "dutsch"),
    "en": ("english", "englisch", "ingilizce", "anglais", "английский", "по-английски",
           "англійська", "англійською", "الانجليزية", "انجليزي", "بالانجليزي", "بالانكليزي",
           "انگلیسی", "انګلیسي", "انگلیسي", "እንግሊዝኛ", "ingiriis", "ingiriisi", "îngilîzî",
           "inglizi", "engl", "inglish", "englisch bitte"),
    "ar": ("arabic", "arabisch", "arapça", "arabe", "арабский", "по-арабски", "арабська",
           "арабською", "عربي", "العربي", "العربية", "بالعربي", "بالعربية", "عربى", "عربی",
           "عربي", "ዓረብኛ", "carabi", "carabiga", "erebî", "arabi", "3arabi", "arabiya"),
    "tr": ("turkish", "türkisch", "türkçe", "turc", "турецкий", "по-турецки", "турецька",
           "турецькою", "التركية", "تركي", "بالتركي", "ترکی", "ترکي", "ቱርክኛ", "turki",
           "turkiga", "tirkî", "turkce"),
    "ru": ("russian", "russisch", "rusça", "russe", "русский", "по-русски", "на русском",
           "російська", "російською", "الروسية", "روسي", "بالروسي", "روسی", "روسي", "ሩስያኛ",
           "ruush", "ruushka", "rûsî", "russki", "po russki", "po-russki"),
    "uk": ("ukrainian", "ukrainisch", "ukraynaca", "ukrainien", "украинский", "по-украински",
           "українська", "українською", "на українській", "по-українськи", "الاوكرانية",
           "اوكراني", "بالاوكراني", "اوکراینی", "اوکرايني", "ዩክሬንኛ", "ukreeniyaan",
           "ukraynî", "ukrainska", "ukrainskoyu"),
    "fa": ("persian", "farsi", "dari", "persisch", "farsça", "farsi", "persan", "персидский",
           "фарси", "дари", "перська", "перською", "الفارسية", "فارسي", "بالفارسي", "فارسی",
           "دری", "به فارسی", "به دری", "پارسی", "ፋርስኛ", "faarsi", "farisî", "dari bitte",
           "darî"),
    "ps": ("pashto", "pashtu", "paschtu", "puschtu", "peştuca", "pachto", "пушту", "пуштунский",
           "البشتو", "البشتونية", "بشتو", "پشتو", "پښتو", "په پښتو", "پختو", "ፓሽቶ", "bashtuu",
           "peştû", "pushto", "pukhto", "pakhto"),
    "ku": ("kurdish", "kurdisch", "kürtçe", "kurde", "курдский", "курдська", "الكردية", "كردي",
           "بالكردي", "کردی", "کوردی", "کردي", "ኩርድኛ", "kurdi", "kurdî", "kurmancî",
           "kurmanji", "kurmanci", "bi kurdî", "bi kurmancî", "kurtce", "kurmandschi"),
    "ti": ("tigrinya", "tigrinisch", "tigrigna", "tigrinia", "tigrinyaca", "тигринья",
           "التغرينية", "تغرينيا", "تیگرینیا", "ትግርኛ", "ብትግርኛ", "tigrinyo", "tigrînî",
           "tigrina", "tigrigna"),
    "so": ("somali", "somalisch", "somalice", "somalien", "сомалийский", "сомалі",
           "الصومالية", "صومالي", "سومالیایی", "ሶማልኛ", "soomaali", "af soomaali",
           "af-soomaali", "somalî", "somaali"),
    "fr": ("french", "französisch", "fransızca", "français", "francais", "французский",
           "по-французски", "французька", "французькою", "الفرنسية", "فرنسي", "بالفرنسي",
           "فرانسوی", "فرانسوي", "ፈረንሳይኛ", "faransiis", "fransî", "en français",
           "franzosisch"),
}

# Words that may surround a language name in a request to the bot ("please", "can you write
# in", "auf", "بـ", "на", "bi", "af", ...). Everything else in the message makes it not a
# request: "a doctor who speaks Arabic" keeps "doctor", so it is a spoken_language, not a choice.
_FILLERS = frozenset(
    normalize(w, fold_latin=True)
    for w in """
    please pls plz pleas can could would you u write speak talk answer reply respond chat in
    to switch change the language lang me with i want prefer let's lets us only just now
    bitte kannst konnen konnen sie du schreib schreibe schreiben sprich sprechen antworte
    antworten mit mir auf sprache wechseln ich will mochte mochten lieber nur
    lutfen lütfen dil dilinde yaz konuş konus benimle istiyorum
    s'il vous plait svp stp parle parlez ecris ecrivez en langue je veux peux pouvez
    пожалуйста пж на языке язык говори пиши напиши отвечай можно давай хочу мне со мной
    будь ласка мова мовою говори пиши напиши можна хочу зі мною
    لو سمحت من فضلك رجاء ارجوك بليز ممكن اكتب تكلم تحدث رد معي لغة اللغة باللغة بدي اريد ابغى عايز
    لطفا لطفاً لطفن خواهشا مهربانی کن کنید بنویس بنویسید صحبت حرف بزن زبان به با من میخواهم میخوام
    مهرباني وکړه وکړئ په ژبه ولیکه ولیکئ خبرې زه غواړم
    ji kerema xwe kerem bike binivîse biaxive bi ziman zimanê ez dixwazim dixwazim min re
    fadlan fadlan af ku qor ii la hadal luqadda luuqadda waxaan rabaa
    በጃኻ በጃኹም ጽሓፍ ተዛረብ ብ ቋንቋ
    """.split()
)

_COMMAND = re.compile(r"^/\s*(?:lang(?:uage)?\s+|sprache\s+)?([a-z]{2})\s*$")
_PUNCT = re.compile(r"[^\w\s'\-/]+")


def _compile_names() -> dict[str, str]:
    """Normalised name form -> code; multi-word forms are kept as phrases."""
    table: dict[str, str] = {}
    for code, names in _NAMES.items():
        for name in names:
            table[normalize(name, fold_latin=True)] = code
    return table


_NAME_TO_CODE = _compile_names()
_MAX_NAME_WORDS = max(len(name.split()) for name in _NAME_TO_CODE)


def _strip_symbols(text: str) -> str:
    """Remove punctuation and emoji but keep letters, digits, apostrophes and hyphens."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        kept.append(" " if category.startswith(("S", "P")) and char not in "'-/" else char)
    return "".join(kept)


def explicit_language_request(text: str) -> str | None:
    """The language the user explicitly asks the bot to use, or None.

    Recognised: commands "/ar", "/lang ar"; and messages consisting only of one language name
    (in any of the 12 languages, e.g. "English", "بالعربي", "по-русски", "ትግርኛ", "Dari") plus
    request words ("please", "auf", "in", "can you write", "bitte", "لو سمحت", "на", "bi").
    A name alongside other content ("a doctor who speaks Arabic", "arabisch kurs") is not a
    request: that is a spoken-language wish or a topic, handled by the entity rules.
    """
    if not text:
        return None
    raw = text.strip().casefold()
    command = _COMMAND.match(raw)
    if command:
        return command.group(1) if command.group(1) in LANGUAGES else None
    words = _strip_symbols(normalize(text, fold_latin=True)).split()
    if not words or len(words) > 8:
        return None
    found: str | None = None
    i = 0
    while i < len(words):
        for size in range(min(_MAX_NAME_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            code = _NAME_TO_CODE.get(phrase)
            if code:
                if found and found != code:
                    return None  # two different languages: not a clear request
                found = code
                i += size
                break
        else:
            if words[i] not in _FILLERS:
                return None
            i += 1
    return found


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "decide_language",
    "explicit_language_request",
    "is_sure",
    "is_unclear",
    "main_script",
]
