// Folding text for search, by the rules engine/fold.py keeps as data (schema.json's
// "folding"): the same steps in the same order, so that a phone finds "Müller" with
// "muller" exactly as the Python engine does. tests/vectors/fold.json holds both to it.

/**
 * @typedef {{ version: number, normalize: string, lowercase: boolean,
 *   letters: Record<string, string>, drop_categories: string[],
 *   space_categories: string[], punctuation_categories: string[] }} FoldingRules
 */

const MARK = "\u0000"; // punctuation, until the two forms decide what it becomes

/**
 * Make a folder for these rules.
 * @param {FoldingRules} rules
 * @returns {(text: string) => [string, string]} text to [folded, joined]
 */
export function makeFolder(rules) {
  const category = (/** @type {string[]} */ names) =>
    new RegExp(`^[${names.map((n) => `\\p{gc=${n}}`).join("")}]$`, "u");
  const drop = category(rules.drop_categories);
  const space = category(rules.space_categories);
  const punctuation = category(rules.punctuation_categories);
  const letters = new Map(Object.entries(rules.letters));
  /** @type {Map<string, string>} */
  const seen = new Map();

  /** @param {string} ch */
  const rule = (ch) => {
    let found = seen.get(ch);
    if (found === undefined) {
      const letter = letters.get(ch);
      if (letter !== undefined) found = letter;
      else if (drop.test(ch)) found = "";
      else if (space.test(ch)) found = " ";
      else if (punctuation.test(ch)) found = MARK;
      else found = ch;
      seen.set(ch, found);
    }
    return found;
  };

  /** @param {string} text */
  const words = (text) => text.split(/[ \t\n\v\f\r\u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u)
    .filter((w) => w !== "").join(" ");

  return (text) => {
    let normal = text.normalize(rules.normalize);
    if (rules.lowercase) normal = normal.toLowerCase();
    let marked = "";
    for (const ch of normal) marked += rule(ch);
    return [words(marked.replaceAll(MARK, " ")), words(marked.replaceAll(MARK, ""))];
  };
}
