import { LABEL_PREFIX } from "../dataset/inspect";

/**
 * Whitespace: JavaScript's `\s` plus the separators Python's `str.isspace`
 * also counts (U+001C to U+001F, U+0085), so that rungs tokenises like the
 * script that converted the shared datasets. One difference is kept on
 * purpose: `\s` includes U+FEFF, so a stray byte order mark vanishes here
 * where that script would make it a token.
 */
const WHITESPACE = "\\s\\u001c-\\u001f\\u0085";
const SYMBOL = new RegExp(`[^\\p{L}\\p{N}${WHITESPACE}]`, "gu");
const WHITESPACE_RUN = new RegExp(`[${WHITESPACE}]+`, "gu");

/**
 * rungs' tokenisation, one rule for every dataset:
 *
 * 1. lower-case the text;
 * 2. every character that is not a letter (`\p{L}`), a digit (`\p{N}`) or
 *    whitespace becomes a token of its own, so `don't!` becomes `don ' t !`;
 * 3. runs of whitespace, line breaks included, become one space, with none at
 *    either end.
 *
 * Punctuation, symbols, emoji and combining marks all count as "not a letter
 * or digit". Tokens are then separated by single spaces, which is how
 * fastText splits words.
 */
export function tokenize(text: string): string {
  return text.toLowerCase().replace(SYMBOL, " $& ").replace(WHITESPACE_RUN, " ").trim();
}

/**
 * A label as fastText will read it: trimmed, whitespace inside it turned into
 * `_` (fastText would split the label at a space), and without a `__label__`
 * prefix the source may already carry. Empty when nothing is left.
 */
export function cleanLabel(label: string): string {
  const trimmed = label.replace(WHITESPACE_RUN, " ").trim().replaceAll(" ", "_");
  return trimmed.startsWith(LABEL_PREFIX) ? trimmed.slice(LABEL_PREFIX.length) : trimmed;
}

/** `__label__a __label__b some tokens`: one line of a fastText training file. */
export function fastTextLine(labels: readonly string[], tokens: string): string {
  return `${labels.map((label) => LABEL_PREFIX + label).join(" ")} ${tokens}`;
}
