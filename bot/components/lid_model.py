"""The language identifier behind the Rasa ``LanguageDetector`` (no Rasa imports here).

Why a combination: no single model covers our 12 languages on short messages. lid.176 has no
Tigrinya and is weak on one or two words; lingua is strong on short text but knows no Pashto,
Kurmanji or Tigrinya; a fastText model trained on our own data knows all 12 and the way our
users write (German words inside Arabic sentences, Finglish, Arabizi), but has seen little text;
word frequencies (``lid_words``: wordfreq's lists, our own counts for so ku ps ti) know which
language writes a given word, and how often, but nothing of a word they lack. So the detector

1. decides by script where the script decides: Ethiopic letters -> ``ti``, Pashto-only letters
   (ټ ډ ړ ږ ښ ګ ڼ ځ څ ې ۍ) in Arabic-script text -> ``ps``;
2. otherwise combines the log-probabilities of the four sources in a small conditional-logit
   "stacker" (``Stacker``): one learned trust weight per source and length bucket, shared by
   all languages, plus per-language weights on orthographic side features (Persian vs Arabic
   letters, Kurmanji ê î û, Ukrainian і ї є ґ vs Russian ы э ъ ё, ...). No per-language bias
   is learned: the held-out mix of languages is not the users' mix, and the real prior comes
   from the channel;
3. multiplies in the channel/browser language as a prior.

Training: fastText is first trained on 80% of the labelled text; the stacker is fitted on the
other 20% (text fastText never saw, so the stacker learns fastText's real reliability) plus
general words from installed packages (so it also sees how the sources fare outside our chat
domain); then fastText (and the own-count part of the word table) is retrained on all the
labelled text. Single words and word pairs cut
from the sentences are added (only those with a word that belongs to their language, see
``lid_data.word_languages``), because short messages are what the bot mostly gets.

Design choices were compared on a held-out split of the *training* data (chat, TICO-19 and
package words), never on the evaluation sets; ``bench/lid_bench.py`` only measures.
"""
from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bot.components import lid_sources
from bot.components.lid_data import (
    LANGUAGES,
    short_spans,
    stratified_split,
    telling,
    word_languages,
)
from bot.components.lid_words import WordFrequencies

INDEX = {code: i for i, code in enumerate(LANGUAGES)}
_EPS = 1e-4
_FT_FILE = "lid_fasttext.bin"
_STACK_FILE = "lid_stacker.npz"
_CONFIG_FILE = "lid_config.json"


@dataclass
class LidConfig:
    """Hyper-parameters (compared on a held-out split of the training data).

    ``ft_*`` go to ``fasttext.train_supervised`` (lr 0.1-0.5, epochs 10-25, dim 32-64, char
    n-grams 1-4 vs 2-5 all scored within noise; the cheapest was kept). ``ft_threads`` is 1
    because fastText's lock-free SGD on two threads gives a different model on every run (two
    runs on the same data: lingua word pairs 98.43% and 98.46%, up to 0.2 points apart per
    language), so a setting's effect could not be told from the run's; one thread gives the
    same model twice and trains in 54-60 s against 52-53 s; the small ``bucket``
    and ``dim`` keep the stored model small (quantisation was tried: slower and unstable).
    ``balance`` repeats the text of languages with little data; ``drop_shared`` keeps short
    spans only if they contain a word of their own language; ``generic_per_language`` package
    words per language go to the stacker (``generic_in_fasttext`` would also train fastText on
    them: better on held-out package words, no better elsewhere). ``fixed_trust``,
    ``learn_bias`` and ``learn_side`` switch parts of the stacker off for comparisons.
    ``oov_trust`` gives the stacker separate trust weights for texts with a word our fastText
    model never saw (see ``Vocabulary``): on held-out training data it raised short spans
    from 0.951 to 0.963 and word pairs of general vocabulary from 0.984 to 0.987
    (``python -m bench.lid_dev``). ``wordfreq_limit``: how many of wordfreq's most frequent
    words per language the package vocabulary takes (150,000 scored the same as 30,000 on
    rarer held-out words, so the smaller list is kept). ``stack_l2`` is the L2 strength on
    the stacker's per-language side-feature weights: fixed, not scaled by the data size, so
    that a language with few held-out texts cannot get extreme weights. ``words_limit``: how
    many of each wordfreq list's most frequent words the word-frequency source
    (``lid_words``) holds (0: no wordfreq words, only our own counts for so ku ps ti);
    ``words_holdout`` leaves out the words ``bench/lid_dev.py`` measures on.
    ``language_trust`` adds a trust factor per source and language (L2 ``language_trust_l2``
    on its log): one shared weight per source cannot say that fastText over-rates Russian on
    Ukrainian text. It stays off: on ``bench.lid_dev`` (chat, spans, package words, package
    pairs, rare words, rare pairs) it gave 0.970 0.976 0.981 0.997 0.779 0.866 against
    0.971 0.976 0.977 0.997 0.783 0.869 without, and took Ukrainian rare words from 0.712 to
    0.656 (towards Russian). ``own_floor``: the word source's floor for so ku ps ti (see
    ``WordFrequencies.with_own_counts``): -6.5 gave 0.971 0.976 0.977 0.997 0.783 0.869, the common
    floor -8.5 0.972 0.977 0.978 0.997 0.782 0.864 (equal within noise; kept for the reason
    given there). ``running_pairs``: per language, pairs of words drawn like running text
    (``word_sentences`` of length 2, by a Zipf law over wordfreq's ranks, so the frequent
    words two languages share, "die", "in", "de", are in them), shown to the stacker only.
    The package words (``generic_words``) leave shared words out, so without these the
    two-word trust was fitted on pairs where the word table is never in doubt. On
    ``bench.lid_dev`` (chat, spans, package words, package pairs, rare words, rare pairs,
    running words, running pairs) 300 gave 0.974 0.973 0.976 0.996 0.782 0.863 0.909 0.974
    against 0.975 0.974 0.976 0.996 0.783 0.863 0.909 0.970 without; on an earlier draw of the
    running sets, 1000 gained 0.003 more on running pairs but cost chat and spans 0.002 each,
    and letting the 300 also train fastText cost rare pairs 0.006. ``max_trust`` caps each
    source's trust weight at 1, so that no source counts for more than its own probabilities.
    The long held-out texts are TICO-19 sentences from the same documents as the half fastText
    trains on, where it is nearly always right; fitted on all the data, its trust on long text
    with an unseen word ran to 7.0 (on 80% of the data: 1.1), and a Russian sentence that it
    leant Ukrainian on stayed Ukrainian against lid.176, lingua and the word table. The cap
    binds there, on long text whose words are all known (5.6) and on single unseen words for
    the word table (1.1). On ``bench.lid_dev``'s eight sets it changed nothing beyond 0.001;
    on two new sets of reserved words, scored with a detector trained on all the data: running
    sentences of 3-14 words 0.997 both, mixed sentences (30% of the words from another
    language of the same script) 0.948 -> 0.958 (lingua 0.891, lid.176 0.884 there).
    Holding the stacker's texts out in runs of 25 neighbours, so that fastText sees less of
    their documents, was tried with the cap: mixed 0.954, running words 0.915 -> 0.909.
    ``mixed_sentences``: per language, sentences like the mixed dev set's but of words the
    detector may train on (``mixed_sentences``), for the stacker only. Even capped, it
    trusted our fastText alone on 3-5 known words (0.96 against lid.176 0, lingua 0.02, word
    table 0.27), so "Машина снова тронулась" stayed Ukrainian, as fastText said, against the
    other three. On ``bench.lid_dev`` (chat, spans, package words, package pairs, rare words,
    rare pairs, running words, running pairs, running sentences, mixed sentences) 300 gave
    0.973 0.974 0.975 0.997 0.782 0.857 0.910 0.973 0.999 0.973 against 0.974 0.973 0.976
    0.996 0.783 0.863 0.910 0.974 0.998 0.956 without; 100 gave mixed 0.967 and rare pairs
    0.863, 600 mixed 0.979 but chat 0.971 and rare words 0.777. The stacker's running
    sentences at 3-14 words instead of 6-14 changed nothing beyond 0.001. ``running_words``:
    per language, single words drawn like the running pairs, for the stacker only. The other
    single words it sees (chat spans with a telling word, package words) leave out the words
    two languages share, so it trusted our fastText on one known word (0.47) where it is
    sure and wrong ("solution" French, "нож" Ukrainian, at p = 1). With the mixed sentences,
    on the same ten sets, 100 gave 0.973 0.973 0.975 0.997 0.782 0.857 0.916 0.973 0.999
    0.973 (running words +0.006, the rest within 0.001); 300 gave running words 0.917 but
    spans 0.970.
    """

    ft_epoch: int = 10
    ft_dim: int = 32
    ft_lr: float = 0.5
    ft_minn: int = 1
    ft_maxn: int = 4
    ft_word_ngrams: int = 1
    ft_bucket: int = 50_000
    ft_threads: int = 1
    stack_l2: float = 0.03
    balance: bool = True
    drop_shared: bool = True
    max_class_weight: float = 8.0
    generic_per_language: int = 3000
    generic_pairs: bool = True
    generic_sentences: int = 300
    running_pairs: int = 300
    running_words: int = 100
    mixed_sentences: int = 300
    generic_in_fasttext: bool = False
    fixed_trust: list | None = None
    max_trust: float | None = 1.0
    learn_bias: bool = False
    learn_side: bool = True
    stack_fraction: float = 0.2
    spans_per_text: int = 1
    reliable_threshold: float = 0.9
    channel_prior: float = 3.0
    oov_trust: bool = True
    wordfreq_limit: int = 30_000
    words_limit: int = 150_000
    words_holdout: bool = False
    language_trust: bool = False
    language_trust_l2: float = 0.01
    own_floor: float = -6.5
    seed: int = 7
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Detection:
    """The language of one message; ``reliable`` means: safe to switch the conversation to."""

    language: str
    confidence: float
    reliable: bool
    source: str


# Anything that is not a letter, an Arabic mark (harakat, superscript alef), ZWNJ or an
# apostrophe becomes a space.
_FT_DROP = re.compile("[^\\w\u200c'\u064b-\u065f\u0670]|[\\d_]")


def ft_text(text: str) -> str:
    """The form fastText sees: one line, casefolded, letters/marks/ZWNJ kept, the rest spaces.

    Punctuation would otherwise stick to words ("kita?"); ZWNJ and harakat are kept because
    they tell Persian from Arabic.
    """
    return " ".join(_FT_DROP.sub(" ", lid_sources.one_line(text).casefold()).split())


# fastText 0.9.3 sometimes diverges to "Encountered NaN" when several models are trained one
# after another in the same process (measured here: the first trainings of a process succeed,
# later ones fail about half the time, independent of the learning rate). Each model is
# therefore trained in a fresh interpreter and loaded back from disk.
_TRAIN_SCRIPT = """
import json, sys
import fasttext
args = json.loads(sys.argv[1])
output = args.pop("output")
fasttext.train_supervised(**args).save_model(output)
"""


def _train_fasttext(pairs: list[tuple[str, str]], config: LidConfig):  # noqa: ANN202
    import fasttext

    # fastText reads the file in order and does not shuffle: blocks of one language make SGD
    # oscillate, so the lines are shuffled with a fixed seed.
    pairs = list(pairs)
    random.Random(config.seed).shuffle(pairs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.txt"
        with path.open("w", encoding="utf-8") as handle:
            for text, code in pairs:
                cleaned = ft_text(text)
                if cleaned:
                    handle.write(f"__label__{code} {cleaned}\n")
        args = {
            "input": str(path), "output": str(Path(tmp) / "model.bin"),
            "epoch": config.ft_epoch, "dim": config.ft_dim, "lr": config.ft_lr,
            "minn": config.ft_minn, "maxn": config.ft_maxn, "wordNgrams": config.ft_word_ngrams,
            "bucket": config.ft_bucket, "thread": config.ft_threads, "seed": config.seed,
            "verbose": 0, "minCount": 1,
        }
        error = ""
        for _attempt in range(3):
            done = subprocess.run(
                [sys.executable, "-c", _TRAIN_SCRIPT, json.dumps(args)],
                capture_output=True, text=True, timeout=900, check=False,
            )
            if done.returncode == 0:
                break
            error = done.stderr[-1000:]
            args["lr"] /= 2  # a diverging run is retried more gently
        else:
            raise RuntimeError(f"fastText training failed: {error}")
        fasttext.FastText.eprint = lambda *args, **kwargs: None
        return fasttext.load_model(args["output"])


def _ft_probs(model, text: str) -> np.ndarray:  # noqa: ANN001
    vector = np.zeros(len(LANGUAGES))
    cleaned = ft_text(text)
    if not cleaned:
        return vector + 1.0 / len(LANGUAGES)
    labels, probs = model.predict(cleaned, k=-1, threshold=0.0)
    for label, prob in zip(labels, probs, strict=False):
        code = label.removeprefix("__label__")
        if code in INDEX:
            vector[INDEX[code]] = float(prob)
    return vector


# Length buckets (number of words): each source gets its own weight per bucket, because the
# sources' reliability depends mostly on length (lid.176 is poor on one word, fine on ten).
_BUCKET_LIMITS = (1, 2, 5)
N_BUCKETS = len(_BUCKET_LIMITS) + 1
N_SOURCES = 4  # fastText (ours), lid.176, lingua, word frequencies


def length_bucket(text: str) -> int:
    """0 for one word, 1 for two, 2 for three to five, 3 for more."""
    words = len(text.split())
    for bucket, limit in enumerate(_BUCKET_LIMITS):
        if words <= limit:
            return bucket
    return len(_BUCKET_LIMITS)


class Vocabulary:
    """The words our fastText model was trained on, to tell known text from new text.

    Why: on words it has seen, our model is nearly always right (they are our users' words);
    on a word it has never seen it guesses from character n-grams, and there lingua (trained
    on far more text) is the better judge. With ``LidConfig.oov_trust`` the stacker learns a
    second set of trust weights for texts with an unseen word.
    """

    def __init__(self, model) -> None:  # noqa: ANN001
        self.words = frozenset(model.get_words()) if model is not None else frozenset()

    def all_known(self, text: str) -> bool:
        words = ft_text(text).split()
        return bool(words) and all(word in self.words for word in words)


def bucket_of(text: str, vocabulary: Vocabulary | None) -> int:
    """The length bucket, shifted by N_BUCKETS when ``vocabulary`` is given and the text has
    a word outside it."""
    bucket = length_bucket(text)
    if vocabulary is not None and not vocabulary.all_known(text):
        bucket += N_BUCKETS
    return bucket


@dataclass
class Evidence:
    """What the stacker sees of one text."""

    log_probs: np.ndarray  # (N_SOURCES, 12)
    side: np.ndarray  # script features + lid.176's mass on other languages
    bucket: int


# lingua has no model for these: its (zero) probability for them says nothing. They get the
# log-probability of a uniform guess over lingua's 9 languages instead of log(0), so that a
# Pashto or Kurmanji text does not make lingua look wrong and lose the stacker's trust.
_LINGUA_UNKNOWN = np.array([code not in lid_sources.LINGUA_CODES for code in LANGUAGES])
_LINGUA_NEUTRAL = math.log(1.0 / len(lid_sources.LINGUA_CODES))


def _evidence(ft: np.ndarray, lid: np.ndarray, lid_other: float, lingua: np.ndarray,
              words: np.ndarray, text: str, vocabulary: Vocabulary | None = None) -> Evidence:
    log_probs = np.log(np.vstack([ft, lid, lingua, words]) + _EPS)
    log_probs[2, _LINGUA_UNKNOWN] = _LINGUA_NEUTRAL
    side = np.concatenate([lid_sources.script_features(text), [math.log(lid_other + _EPS) / 9]])
    return Evidence(log_probs, side, bucket_of(text, vocabulary))


class Stacker:
    """A conditional-logit combination of the sources, mostly shared across languages.

    score(l) = sum_s W[s, bucket] * exp(T[s, l]) * log p_s(l) + bias[l] + V[l] . side

    One trust weight per source and length bucket, learned from every language at once, so a
    language with little held-out text (de, en, tr, uk) still gets well-founded weights; small
    per-language factors exp(T) (T L2-penalised towards 0, off with ``language_trust=False``;
    a factor, not a term, so that a trust can never turn negative), the bias and the
    orthographic side features (Persian letters speak for fa, Kurmanji marks for ku, ...) are
    per language.
    """

    def __init__(self, weights: np.ndarray, bias: np.ndarray, side_weights: np.ndarray,
                 side_mean: np.ndarray, side_scale: np.ndarray,
                 language_trust: np.ndarray | None = None) -> None:
        self.weights = weights
        self.bias = bias
        self.side_weights = side_weights
        self.side_mean = side_mean
        self.side_scale = side_scale
        self.language_trust = (np.zeros((weights.shape[0], len(bias)))
                               if language_trust is None else language_trust)
        # (S, buckets, 12): the trust of each source per length bucket and language
        self._trust = weights[:, :, None] * np.exp(self.language_trust)[:, None, :]

    def logits(self, evidence: Evidence) -> np.ndarray:
        side = (evidence.side - self.side_mean) / self.side_scale
        trust = self._trust[:, evidence.bucket]
        return (np.einsum("sk,sk->k", trust, evidence.log_probs) + self.bias
                + self.side_weights @ side)

    def probabilities(self, evidence: Evidence) -> np.ndarray:
        logits = self.logits(evidence)
        logits -= logits.max()
        probs = np.exp(logits)
        return probs / probs.sum()

    def arrays(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "bias": self.bias, "side_weights": self.side_weights,
                "side_mean": self.side_mean, "side_scale": self.side_scale,
                "language_trust": self.language_trust}

    @classmethod
    def fit(cls, evidence: list[Evidence], labels: np.ndarray, config: LidConfig) -> Stacker:
        """Maximise the class-weighted log-likelihood (L2 on the side-feature weights and the
        per-language trust).

        Class weights are inverse frequencies (with ``config.balance``): the held-out fold has
        ten times more text in the TICO-19 languages than in de, en, tr or uk. A language
        without held-out text gets a very low bias and is then named only by the script rules.
        """
        from scipy.optimize import minimize

        n, k = len(evidence), len(LANGUAGES)
        log_probs = np.stack([e.log_probs for e in evidence])  # (n, S, k)
        side = np.vstack([e.side for e in evidence])
        side_mean = side.mean(axis=0)
        side_scale = side.std(axis=0)
        side_scale[side_scale < 1e-6] = 1.0
        side = (side - side_mean) / side_scale
        buckets = np.asarray([e.bucket for e in evidence])
        n_buckets = 2 * N_BUCKETS if config.oov_trust else N_BUCKETS
        bucket_mask = np.eye(n_buckets)[buckets]  # (n, B)
        onehot = np.eye(k)[labels]
        counts = onehot.sum(axis=0)
        present = counts > 0
        if config.balance:
            class_weight = np.where(present, n / (present.sum() * np.maximum(counts, 1)), 0.0)
            # a language with a handful of held-out texts must not dominate the fit
            class_weight = np.minimum(class_weight, config.max_class_weight)
        else:
            class_weight = np.ones(k)
        sample_weight = class_weight[labels] / n
        n_w, n_side = N_SOURCES * n_buckets, side.shape[1]
        n_t = N_SOURCES * k
        l2, l2_trust = config.stack_l2, config.language_trust_l2

        def unpack(theta: np.ndarray) -> tuple[np.ndarray, ...]:
            weights = theta[:n_w].reshape(N_SOURCES, n_buckets)
            bias = theta[n_w:n_w + k]
            side_weights = theta[n_w + k:n_w + k + k * n_side].reshape(k, n_side)
            language_trust = theta[n_w + k + k * n_side:].reshape(N_SOURCES, k)
            return weights, bias, side_weights, language_trust

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            weights, bias, side_weights, language_trust = unpack(theta)
            trust = bucket_mask @ weights.T  # (n, S)
            weighted = log_probs * np.exp(language_trust)[None]  # (n, S, k)
            logits = np.einsum("ns,nsk->nk", trust, weighted) + bias + side @ side_weights.T
            logits[:, ~present] = -30.0
            logits -= logits.max(axis=1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=1, keepdims=True)
            nll = -np.sum(sample_weight * np.log(probs[np.arange(n), labels] + 1e-12))
            grad_logits = (probs - onehot) * sample_weight[:, None]
            grad_logits[:, ~present] = 0.0
            per_source = np.einsum("nk,nsk->ns", grad_logits, weighted)
            g_weights = per_source.T @ bucket_mask
            g_bias = grad_logits.sum(axis=0)
            g_side = grad_logits.T @ side
            g_trust = np.einsum("nk,ns,nsk->sk", grad_logits, trust, weighted)
            value = (nll + l2 * np.sum(side_weights ** 2)
                     + l2_trust * np.sum(language_trust ** 2))
            grad = np.concatenate([g_weights.ravel(), g_bias,
                                   (g_side + 2 * l2 * side_weights).ravel(),
                                   (g_trust + 2 * l2_trust * language_trust).ravel()])
            return value, grad

        theta0 = np.concatenate([np.full(n_w, 0.3), np.zeros(k), np.zeros(k * n_side),
                                 np.zeros(n_t)])
        # A source's own log-probabilities never count against its answer: without this bound
        # the fit gave lid.176 a negative weight on long text with unseen words (learned from
        # Somali and Pashto, where lid.176 is wrong), which then turned its confident German
        # or English into evidence against them. Nor above ``max_trust`` (see LidConfig).
        bounds: list[tuple[float | None, float | None]] = (
            [(0.0, config.max_trust)] * n_w + [(None, None)] * (len(theta0) - n_w))
        if config.fixed_trust is not None:  # keep the source weights where configured
            theta0[:n_w] = np.asarray(config.fixed_trust, dtype=float).ravel()
            bounds[:n_w] = [(w, w) for w in theta0[:n_w]]
        if not config.learn_bias:
            bounds[n_w:n_w + k] = [(0.0, 0.0)] * k
        if not config.learn_side:
            bounds[n_w + k:n_w + k + k * n_side] = [(0.0, 0.0)] * (k * n_side)
        if not config.language_trust:
            bounds[n_w + k + k * n_side:] = [(0.0, 0.0)] * n_t
        result = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                          options={"maxiter": 500})
        weights, bias, side_weights, language_trust = unpack(result.x)
        bias = np.where(present, bias, -30.0)
        return cls(weights, bias, side_weights, side_mean, side_scale, language_trust)


class LanguageIdentifier:
    """Names the language of a message among the 12 contract languages."""

    def __init__(self, supervised, stacker: Stacker, config: LidConfig,  # noqa: ANN001
                 words: WordFrequencies) -> None:
        self.supervised = supervised
        self.stacker = stacker
        self.config = config
        self.words = words
        self.vocabulary = Vocabulary(supervised) if config.oov_trust else None

    # --- training -----------------------------------------------------------------------

    @classmethod
    def train(cls, pairs: list[tuple[str, str]], config: LidConfig | None = None,
              generic: list[tuple[str, str]] | None = None) -> LanguageIdentifier:
        """Train on (text, code) pairs (sentences; short spans are added here).

        ``generic``: general-vocabulary words (``lid_data.generic_words``); part of them goes
        to the stacker's held-out set, so that it also learns how far each source can be
        trusted on everyday words outside our domain; with ``generic_in_fasttext`` the rest
        also trains fastText.
        """
        config = config or LidConfig()
        generic_rest, generic_held = stratified_split(generic or [], config.stack_fraction,
                                                      seed=config.seed)
        shared = word_languages(pairs) if config.drop_shared else {}
        rest, held = stratified_split(pairs, config.stack_fraction, seed=config.seed)
        rest_aug = rest + telling(short_spans(rest, config.spans_per_text, config.seed), shared)
        held_aug = held + telling(short_spans(held, config.spans_per_text, config.seed + 1),
                                  shared)
        if config.drop_shared:
            held_aug = telling(held_aug, shared)
        if config.generic_in_fasttext:
            rest_aug = rest_aug + generic_rest
            held_aug = held_aug + generic_held
        else:  # all of them show the stacker how the sources fare outside our domain
            held_aug = held_aug + generic_rest + generic_held
        if config.generic_pairs:  # ...and on two everyday words, where its trust is its own
            held_aug = held_aug + word_pairs(generic_rest + generic_held, config.seed)
        if config.generic_sentences:  # ...and on long text in the languages TICO-19 lacks
            held_aug = held_aug + word_sentences(config.generic_sentences, config.seed)
        if config.mixed_sentences:  # ...and on long text with other languages' words in it
            held_aug = held_aug + mixed_sentences(config.mixed_sentences, config.seed + 5,
                                                  vocabulary=5000)
        # ...and on two running words, shared ones included (for the stacker only)
        running = (word_sentences(config.running_pairs, config.seed + 3, lengths=(2, 2))
                   if config.running_pairs else [])
        if config.running_words:  # ...and on single running words
            running = running + word_sentences(config.running_words, config.seed + 9,
                                               lengths=(1, 1))
        first = _train_fasttext(_balanced(rest_aug, config), config)
        vocabulary = Vocabulary(first) if config.oov_trust else None
        # Like fastText, the word table the stacker is fitted with has not seen the held-out
        # texts (our own counts for so ku ps ti); the final one counts all of them.
        lists = WordFrequencies.from_lists(config.words_limit, config.words_holdout)
        words = lists.with_own_counts(rest, config.own_floor)
        stacked = held_aug + running
        evidence = cls._evidence_many(first, [text for text, _ in stacked], words, vocabulary)
        labels = np.asarray([INDEX[code] for _, code in stacked])
        stacker = Stacker.fit(evidence, labels, config)
        final = _train_fasttext(_balanced(rest_aug + held_aug, config), config)
        return cls(final, stacker, config, lists.with_own_counts(pairs, config.own_floor))

    @staticmethod
    def _evidence_many(model, texts: list[str], words: WordFrequencies,  # noqa: ANN001
                       vocabulary: Vocabulary | None = None) -> list[Evidence]:
        lingua = lid_sources.lingua_probs_many(texts)
        out = []
        for text, lingua_vector in zip(texts, lingua, strict=True):
            lid, other = lid_sources.lid176_probs(text)
            out.append(_evidence(_ft_probs(model, text), lid, other, lingua_vector,
                                 words.probabilities(text), text, vocabulary))
        return out

    # --- prediction -----------------------------------------------------------------------

    def evidence(self, text: str) -> Evidence:
        """What the stacker sees of one text."""
        lid, other = lid_sources.lid176_probs(text)
        return _evidence(_ft_probs(self.supervised, text), lid, other,
                         lid_sources.lingua_probs(text), self.words.probabilities(text), text,
                         self.vocabulary)

    def probabilities(self, text: str) -> np.ndarray:
        """The stacker's probabilities over the 12 languages (no rules, no prior)."""
        return self.stacker.probabilities(self.evidence(text))

    def detect(self, text: str, prior: str | None = None) -> Detection:
        """The language of ``text``; ``prior`` is the channel/browser language, if known."""
        text = lid_sources.one_line(text or "")
        letters = sum(c.isalpha() for c in text)
        if letters == 0:
            fallback = prior if prior in INDEX else "de"
            return Detection(fallback, 1.0 / len(LANGUAGES), False, "no-letters")
        if lid_sources.ethiopic_share(text) >= 0.5:
            return Detection("ti", 0.99, True, "script")
        probs = self.probabilities(text)
        if prior in INDEX and self.config.channel_prior != 1.0:
            probs = probs.copy()
            probs[INDEX[prior]] *= self.config.channel_prior
            probs /= probs.sum()
        if lid_sources.has_pashto_letters(text) and lid_sources.arabic_share(text) >= 0.5:
            return Detection("ps", max(float(probs[INDEX["ps"]]), 0.95), True, "script")
        best = int(np.argmax(probs))
        confidence = float(probs[best])
        reliable = confidence >= self.config.reliable_threshold and letters >= 4
        return Detection(LANGUAGES[best], confidence, reliable, "model")

    # --- persistence ----------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the fastText model, the stacker and the config into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.supervised.save_model(str(directory / _FT_FILE))
        np.savez(directory / _STACK_FILE, **self.stacker.arrays())
        self.words.save(directory)
        (directory / _CONFIG_FILE).write_text(json.dumps(asdict(self.config)))

    @classmethod
    def load(cls, directory: Path) -> LanguageIdentifier:
        """Read what ``save`` wrote; ``FileNotFoundError`` or ``ValueError`` for a model
        written by an older version of this class (retrain it)."""
        import fasttext

        directory = Path(directory)
        with np.load(directory / _STACK_FILE, allow_pickle=False) as stored:
            stacker = Stacker(**{key: stored[key] for key in stored.files})
        if stacker.weights.shape[0] != N_SOURCES:
            raise ValueError(f"stacker of {stacker.weights.shape[0]} sources, not {N_SOURCES}")
        words = WordFrequencies.load(directory)
        stored_config = json.loads((directory / _CONFIG_FILE).read_text())
        known = set(LidConfig.__dataclass_fields__)
        config = LidConfig(**{k: v for k, v in stored_config.items() if k in known})
        fasttext.FastText.eprint = lambda *args, **kwargs: None
        supervised = fasttext.load_model(str(directory / _FT_FILE))
        return cls(supervised, stacker, config, words)


def generic_for(config: LidConfig, per_language: int | None = None) -> list[tuple[str, str]]:
    """The package words (``lid_data.generic_words``) that ``config`` asks for."""
    from bot.components.lid_data import generic_words

    count = config.generic_per_language if per_language is None else per_language
    return list(generic_words(count, wordfreq_limit=config.wordfreq_limit))


def word_pairs(words: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    """Two general words of one language side by side, each word used once: the stacker's
    length bucket for two words otherwise sees only our domain's short spans, where our own
    fastText model looks better than it is on everyday text."""
    by_language: dict[str, list[str]] = {}
    for word, code in words:
        by_language.setdefault(code, []).append(word)
    rng = random.Random(seed)
    pairs = []
    for code, items in sorted(by_language.items()):
        items = items[:]
        rng.shuffle(items)
        # an odd last word stays out
        pairs += [(f"{a} {b}", code) for a, b in zip(items[::2], items[1::2], strict=False)]
    return pairs


def word_sentences(per_language: int, seed: int, vocabulary: int = 5000,
                   lengths: tuple[int, int] = (6, 14),
                   reserved: bool = False) -> list[tuple[str, str]]:
    """Runs of 6 to 14 (``lengths``) everyday words of one language, drawn by a Zipf law over
    wordfreq's ranking (for the languages wordfreq has); with ``reserved``, of the words
    ``bench/lid_dev.py`` measures on instead of those the detector may train on.

    Why: the stacker's long texts are otherwise TICO-19 sentences, in eight languages of which
    lingua and lid.176 miss three; fitted on them alone, it trusted only our fastText model
    on long text with unseen words, and followed it when it called a German sentence full of
    names English while lingua, lid.176 and the word frequencies all said German.
    """
    from bot.components.lid_data import wordfreq_words

    rng = random.Random(seed)
    out = []
    for code, words in sorted(wordfreq_words(reserved=reserved).items()):
        ranked = words[:vocabulary]
        weights = [1.0 / (rank + 10) for rank in range(len(ranked))]
        for _ in range(per_language):
            length = rng.randint(*lengths)
            out.append((" ".join(rng.choices(ranked, weights=weights, k=length)), code))
    return out


def mixed_sentences(per_language: int, seed: int, vocabulary: int = 1000,
                    share: float = 0.3, reserved: bool = False) -> list[tuple[str, str]]:
    """Running sentences of 4 to 14 words (``word_sentences``) in which about ``share`` of
    the words come from another language of the same script, as names, loanwords and
    code-switching put them in real text ("Ich suche einen Job als Software Developer"). The
    label is the sentence's own language, which still has most of the words.

    Why: the stacker's other long texts are our own domain's, where our fastText model is
    nearly always right; here it is swayed by the foreign words while the word table and
    lingua still see the sentence's language, which is how real text with names fails.
    """
    from bot.components.lid_sources import script_of

    rng = random.Random(seed)
    base = word_sentences(per_language, seed + 1, vocabulary=vocabulary, lengths=(4, 14),
                          reserved=reserved)
    foreign = word_sentences(per_language, seed + 2, vocabulary=vocabulary, lengths=(4, 14),
                             reserved=reserved)
    pool: dict[str, list[tuple[str, str]]] = {}
    for text, code in foreign:
        pool.setdefault(script_of(text[0]), []).extend((word, code) for word in text.split())
    # the other languages' words of the same script, gathered once per language
    script_of_language = {code: script_of(text[0]) for text, code in base}
    others_of = {code: [w for w, c in pool.get(script, []) if c != code]
                 for code, script in script_of_language.items()}
    out = []
    for text, code in base:
        words = text.split()
        others = others_of[code]
        if not others:
            continue
        for index in rng.sample(range(len(words)), int(len(words) * share)):
            words[index] = rng.choice(others)
        out.append((" ".join(words), code))
    return out


def _balanced(pairs: list[tuple[str, str]], config: LidConfig) -> list[tuple[str, str]]:
    """Repeat the examples of languages with little text up to the median language's count.

    TICO-19 gives 2,400 sentences to eight languages and none to de, en, tr, uk; without
    balancing, fastText learns that short text is probably one of the eight.
    """
    if not config.balance:
        return pairs
    by_code: dict[str, list[tuple[str, str]]] = {}
    for pair in pairs:
        by_code.setdefault(pair[1], []).append(pair)
    target = int(np.median([len(items) for items in by_code.values()]))
    out = []
    for code in sorted(by_code):
        items = by_code[code]
        repeats = max(1, round(target / len(items)))
        out.extend(items * repeats)
    return out


