import type { Configuration } from "../engine/trial";

/**
 * The value fastText 0.9.2 expects after each option a configuration may set.
 * `loss` also accepts `one-vs-all`, fastText's long spelling of `ova`.
 */
const CONFIGURABLE: Readonly<Record<string, "integer" | "number" | "loss">> = {
  lr: "number",
  lrUpdateRate: "integer",
  dim: "integer",
  ws: "integer",
  neg: "integer",
  loss: "loss",
  wordNgrams: "integer",
  minCount: "integer",
  minCountLabel: "integer",
  minn: "integer",
  maxn: "integer",
  bucket: "integer",
  t: "number",
  seed: "integer",
};

const LOSSES: readonly string[] = ["softmax", "ns", "hs", "ova", "one-vs-all"];

/**
 * fastText options the trainer sets itself, with what to use instead. Letting
 * a configuration set them would either clash with the trainer's own value or
 * break how rungs reads labels and finds the model.
 */
const MANAGED: Readonly<Record<string, string>> = {
  epoch: "epochs come from the rung: pass them as the `epochs` option",
  thread: "pass the `threads` option",
  input: "pass the `trainFile` option",
  output: "the trainer names the model itself; pass `keepModel` to keep it",
  verbose: "the trainer needs verbosity 2 to see a NaN loss",
  label: "rungs reads labels with fastText's default prefix __label__",
  saveOutput: "the trainer only keeps the .bin model",
};

/**
 * Every reason `config` cannot be passed to fastText: unknown option names,
 * options the trainer sets itself, and values of the wrong kind. Empty when
 * the configuration is fine.
 */
export function configurationProblems(config: Configuration): string[] {
  return Object.entries(config).flatMap(([name, value]) => {
    const problem = optionProblem(name, value);
    return problem === undefined ? [] : [problem];
  });
}

function optionProblem(name: string, value: number | string): string | undefined {
  if (Object.hasOwn(MANAGED, name)) {
    return `config.${name}: set by the trainer, not by a configuration; ${MANAGED[name]}`;
  }

  const kind = CONFIGURABLE[name];
  if (kind === undefined) {
    return `config.${name}: not a fastText option a configuration may set; allowed: ${Object.keys(CONFIGURABLE).join(", ")}`;
  }

  const received = JSON.stringify(value);
  if (kind === "loss") {
    return LOSSES.includes(String(value))
      ? undefined
      : `config.loss: received ${received}; must be one of ${LOSSES.join(", ")}`;
  }

  const number = asNumber(value);
  if (number === undefined)
    return `config.${name}: received ${received}; must be a number`;
  if (kind === "integer" && !Number.isInteger(number)) {
    // fastText would silently truncate it, training a different model than the one scored.
    return `config.${name}: received ${received}; must be a whole number`;
  }
  return undefined;
}

/** A finite number, or a string that spells one (choice parameters may hold either). */
function asNumber(value: number | string): number | undefined {
  const number = typeof value === "number" ? value : Number(value.trim() || Number.NaN);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * `-name value` pairs for a configuration already checked by
 * `configurationProblems`. Numbers given as strings are passed as the number
 * JavaScript read, so that fastText cannot read them differently (its integer
 * parser would take "0x10" as 0).
 */
export function configurationArguments(config: Configuration): string[] {
  return Object.entries(config).flatMap(([name, value]) => {
    const number = CONFIGURABLE[name] === "loss" ? undefined : asNumber(value);
    return [`-${name}`, String(number ?? value)];
  });
}
