import { cleanLabel, fastTextLine, tokenize } from "./tokenize";

/** Which fields hold what. */
export interface FieldChoice {
  readonly textFields: readonly string[];
  readonly labelField: string;
  readonly labelSeparator?: string;
}

/** A row's labels: at least one. */
type Labels = readonly [string, ...string[]];

/** A row turned into a fastText line, or the reason it cannot be. */
export type Example =
  | { readonly ok: true; readonly labels: Labels; readonly line: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Turns a row's fields into one fastText line: its labels (cleaned, without
 * repeats, in their order) followed by the tokenised text of the text fields
 * joined with a space.
 */
export function toExample(
  fields: Readonly<Record<string, unknown>>,
  choice: FieldChoice,
): Example {
  const labels = labelsOf(fields[choice.labelField], choice);
  if ("reason" in labels) return { ok: false, reason: labels.reason };

  const text = textOf(fields, choice.textFields);
  if (typeof text !== "string") return { ok: false, reason: text.reason };

  const tokens = tokenize(text);
  if (tokens === "") {
    return {
      ok: false,
      reason: `empty text after tokenising (${quoted(choice.textFields)})`,
    };
  }
  return { ok: true, labels, line: fastTextLine(labels, tokens) };
}

/** The cleaned labels of a label field's value, or why there are none. */
function labelsOf(value: unknown, choice: FieldChoice): Labels | { reason: string } {
  const field = quoted([choice.labelField]);
  if (value === undefined || value === null)
    return { reason: `missing label (${field})` };

  const list = Array.isArray(value) ? value : [value];
  if (!list.every(isScalar)) {
    const holds = preview(value);
    return {
      reason: `unusable label (${field} holds ${holds}; expected text, a number or a list of them)`,
    };
  }
  // A JSON list is already split; a string is split only when a separator is given.
  const separator = choice.labelSeparator;
  const split =
    typeof value === "string" && separator !== undefined
      ? value.split(separator)
      : list.map(String);

  const [first, ...others] = new Set(
    split.map(cleanLabel).filter((label) => label !== ""),
  );
  if (first === undefined) return { reason: `missing label (${field} is empty)` };
  return [first, ...others];
}

/** The text fields' values joined with a space, or why there is no text. */
function textOf(
  fields: Readonly<Record<string, unknown>>,
  names: readonly string[],
): string | { reason: string } {
  const present = names.filter(
    (name) => fields[name] !== undefined && fields[name] !== null,
  );
  if (present.length === 0) return { reason: `missing text (${quoted(names)})` };

  const unusable = present.find((name) => !isScalar(fields[name]));
  if (unusable !== undefined) {
    const holds = preview(fields[unusable]);
    return {
      reason: `unusable text (${quoted([unusable])} holds ${holds}; expected text)`,
    };
  }
  return present.map((name) => String(fields[name])).join(" ");
}

function isScalar(value: unknown): value is string | number | boolean {
  return (
    typeof value === "string" || typeof value === "number" || typeof value === "boolean"
  );
}

/** A value as JSON, cut short: a reason names the culprit, it does not reprint it. */
function preview(value: unknown): string {
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
}

function quoted(names: readonly string[]): string {
  const list = names.map((name) => `"${name}"`).join(", ");
  return names.length === 1 ? `field ${list}` : `fields ${list}`;
}
