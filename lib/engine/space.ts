import { InvalidSearchSpaceError } from "../errors";
import type { Random } from "./random";
import type { Configuration } from "./trial";

/** A real-valued hyperparameter, sampled uniformly or log-uniformly in [min, max]. */
export interface FloatParameter {
  readonly type: "float";
  readonly min: number;
  readonly max: number;
  /** Sample and mutate in log space (for scales such as a learning rate). @default false */
  readonly log?: boolean;
}

/** An integer hyperparameter in [min, max], both included. */
export interface IntParameter {
  readonly type: "int";
  readonly min: number;
  readonly max: number;
  /** @default false */
  readonly log?: boolean;
}

/** One of a fixed list of values, with no order between them. */
export interface ChoiceParameter {
  readonly type: "choice";
  readonly values: readonly (string | number)[];
}

export type Parameter = FloatParameter | IntParameter | ChoiceParameter;

/** Hyperparameters by name. */
export type SpaceDefinition = Readonly<Record<string, Parameter>>;

/**
 * A rule between parameters, applied after every sample and mutation so that
 * only configurations the trainer accepts (and no two spellings of the same
 * configuration) are ever proposed.
 */
export type Constraint = (config: Record<string, number | string>) => void;

/** A validated space: what to sample, and the rules that tie parameters together. */
export class SearchSpace {
  readonly names: readonly string[];

  constructor(
    readonly parameters: SpaceDefinition,
    private readonly constraints: readonly Constraint[] = [],
  ) {
    const problems = spaceProblems(parameters);
    if (problems.length > 0) throw new InvalidSearchSpaceError(problems);
    this.names = Object.keys(parameters);
  }

  /** A configuration drawn uniformly (log-uniformly for log parameters). */
  sample(random: Random): Configuration {
    const config: Record<string, number | string> = {};
    for (const name of this.names) {
      const parameter = this.parameters[name]!;
      config[name] =
        parameter.type === "choice"
          ? random.pick(parameter.values)
          : fromUnit(parameter, random.float());
    }
    return this.constrain(config);
  }

  /**
   * A copy of `parent` with the named parameters perturbed: numeric ones by
   * Gaussian noise of standard deviation `noise` in the unit interval (in log
   * space for log parameters), choices resampled among the other values.
   */
  mutate(parent: Configuration, names: readonly string[], noise: number, random: Random) {
    const child: Record<string, number | string> = { ...parent };
    for (const name of names) {
      const parameter = this.parameters[name];
      if (parameter === undefined) continue;
      child[name] = mutateValue(parameter, parent[name], noise, random);
    }
    return this.constrain(child);
  }

  private constrain(config: Record<string, number | string>): Configuration {
    for (const rule of this.constraints) rule(config);
    return Object.freeze(config);
  }
}

function mutateValue(
  parameter: Parameter,
  value: number | string | undefined,
  noise: number,
  random: Random,
): number | string {
  if (parameter.type === "choice") {
    const others = parameter.values.filter((v) => v !== value);
    return others.length > 0 ? random.pick(others) : parameter.values[0]!;
  }
  const start = typeof value === "number" ? toUnit(parameter, value) : random.float();
  return fromUnit(parameter, reflect(start + noise * random.gaussian()));
}

/** Folds a point that noise pushed outside [0, 1] back inside, keeping it random. */
function reflect(x: number): number {
  const period = ((x % 2) + 2) % 2;
  return period > 1 ? 2 - period : period;
}

/** Position of `value` in [0, 1], linear or logarithmic. */
export function toUnit(parameter: FloatParameter | IntParameter, value: number): number {
  const clamped = Math.min(parameter.max, Math.max(parameter.min, value));
  if (parameter.max === parameter.min) return 0;
  if (parameter.log) {
    return Math.log(clamped / parameter.min) / Math.log(parameter.max / parameter.min);
  }
  return (clamped - parameter.min) / (parameter.max - parameter.min);
}

/**
 * The value at position `u` in [0, 1]. Floats keep six significant digits, so
 * the configuration recorded is exactly the one passed to the trainer as text;
 * integers are rounded to the nearest allowed one.
 */
export function fromUnit(parameter: FloatParameter | IntParameter, u: number): number {
  const { min, max } = parameter;
  const value = parameter.log ? min * (max / min) ** u : min + u * (max - min);
  if (parameter.type === "float")
    return Math.min(max, Math.max(min, Number(value.toPrecision(6))));
  return Math.min(max, Math.max(min, Math.round(value)));
}

/** Every problem in a space definition, one message each; empty when it is valid. */
export function spaceProblems(parameters: SpaceDefinition): string[] {
  if (Object.keys(parameters).length === 0) {
    return ['the space has no parameters; define at least one, e.g. "lr"'];
  }
  return Object.entries(parameters).flatMap(([name, p]) => parameterProblems(name, p));
}

function parameterProblems(name: string, p: Parameter): string[] {
  const at = `parameter "${name}"`;
  if (p === null || typeof p !== "object") {
    return [`${at}: received ${JSON.stringify(p)}; expected an object with a "type"`];
  }
  if (p.type === "choice") {
    return Array.isArray(p.values) && p.values.length > 0
      ? []
      : [`${at}: "values" must be a non-empty list, e.g. ["softmax", "ns"]`];
  }
  if (p.type !== "float" && p.type !== "int") {
    return [
      `${at}: type ${JSON.stringify((p as { type: unknown }).type)} is not one of "float", "int", "choice"`,
    ];
  }
  return rangeProblems(at, p);
}

function rangeProblems(at: string, p: FloatParameter | IntParameter): string[] {
  const problems: string[] = [];
  if (!Number.isFinite(p.min) || !Number.isFinite(p.max)) {
    return [
      `${at}: "min" and "max" must be numbers; received min ${p.min}, max ${p.max}`,
    ];
  }
  if (p.min > p.max)
    problems.push(`${at}: min ${p.min} is above max ${p.max}; swap them`);
  if (p.log && p.min <= 0) {
    problems.push(
      `${at}: min ${p.min} must be > 0 on a log scale; raise it or drop "log"`,
    );
  }
  if (p.type === "int" && (!Number.isInteger(p.min) || !Number.isInteger(p.max))) {
    problems.push(
      `${at}: an int parameter needs whole-number bounds; received ${p.min}..${p.max}`,
    );
  }
  return problems;
}
