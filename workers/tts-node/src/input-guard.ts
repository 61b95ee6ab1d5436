/**
 * @module Guards text before it reaches sherpa-onnx's native code, which aborts the whole
 * process on input it cannot map (a punctuation mark that is no token, text that yields no
 * tokens). Keeps words the lexicon knows and punctuation the tokens have; refuses text with
 * nothing speakable left.
 */

export class InputRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputRejected";
  }
}

const WORD = /[\p{L}\p{N}']+/gu;

export class InputGuard {
  private constructor(
    private readonly words: ReadonlySet<string>,
    private readonly punctuation: ReadonlySet<string>,
  ) {}

  /** Reads tokens.txt (`<symbol> <id>` lines) and lexicon.txt (`<word> <phone>…` lines). */
  static fromFiles(tokensTxt: string, lexiconTxt: string): InputGuard {
    const symbols = new Set<string>();
    for (const line of tokensTxt.split("\n")) {
      const m = /^(.*) (\d+)$/.exec(line.replace(/\r$/, ""));
      if (m) symbols.add(m[1] ?? "");
    }
    if (!symbols.has(" ")) throw new Error("tokens.txt has no space token (sherpa-onnx would abort on it)");
    const words = new Set<string>();
    for (const line of lexiconTxt.split("\n")) {
      const word = line.trim().split(/\s+/)[0];
      if (word) words.add(word.toLowerCase());
    }
    if (words.size === 0) throw new Error("lexicon.txt has no words");
    const punctuation = new Set([...symbols].filter((s) => s.length === 1 && /[\p{P}\p{S}]/u.test(s)));
    return new InputGuard(words, punctuation);
  }

  /** The text as the engine may see it; throws InputRejected when nothing speakable is left. */
  clean(input: string): string {
    const text = input.normalize("NFKC");
    if (text.trim().length === 0) throw new InputRejected("input is empty");
    let out = "";
    let spoken = 0;
    let last = 0;
    for (const m of text.matchAll(WORD)) {
      out += this.#keepPunctuation(text.slice(last, m.index));
      const word = m[0].toLowerCase();
      if (this.words.has(word)) {
        out += word;
        spoken += 1;
      } else if ([...word].every((ch) => this.words.has(ch))) {
        // An unknown word whose letters the lexicon has is spelled out.
        out += [...word].join(" ");
        spoken += 1;
      } else out += " ";
      last = m.index + m[0].length;
    }
    out += this.#keepPunctuation(text.slice(last));
    if (spoken === 0) throw new InputRejected("input has no words this voice can speak");
    return out.replace(/\s+/g, " ").trim();
  }

  #keepPunctuation(gap: string): string {
    let out = "";
    for (const ch of gap) out += this.punctuation.has(ch) ? ch : " ";
    return out;
  }
}
