/**
 * Turns a synthesized template's state machine back into plain Amazon States
 * Language, so a local runner (aws-local-stepfunctions) can execute the exact
 * definition CloudFormation would deploy.
 */

import { RungsError } from "../errors";

/** Placeholder values for the pseudo parameters a definition may reference. */
const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  "AWS::Partition": "aws",
  "AWS::Region": "us-east-1",
  "AWS::AccountId": "123456789012",
  "AWS::URLSuffix": "amazonaws.com",
};

const LAMBDA_ARN = /^arn:aws:lambda:[^:]+:\d{12}:function:([^:]+)/;

/** The parts of a CloudFormation template this module reads. */
export interface CfnTemplate {
  readonly Resources: Readonly<
    Record<
      string,
      { readonly Type: string; readonly Properties?: Record<string, unknown> }
    >
  >;
}

/** An Amazon States Language state machine, or the item processor of a Map. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly [field: string]: unknown;
}

/** One state; only the fields this module walks are typed. */
export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Readonly<Record<string, unknown>>;
  readonly ItemProcessor?: AslDefinition;
  readonly Iterator?: AslDefinition;
  readonly Branches?: readonly AslDefinition[];
  readonly [field: string]: unknown;
}

/** A definition ready to run locally, and what each of its tasks calls. */
export interface RenderedDefinition {
  /** The definition, with every ARN replaced by a placeholder. */
  readonly definition: AslDefinition;
  /** Task state name (at any depth) -> logical id of the Lambda function it invokes. */
  readonly taskFunctions: Readonly<Record<string, string>>;
}

/** A JSON value, as states pass them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A local stand-in for a Lambda handler. */
export type LocalHandler = (input: Json) => Json | Promise<Json>;

/** A template this module cannot turn into a runnable definition. */
export class UnrenderableDefinitionError extends RungsError {}

/** A task whose function was given no local handler. */
export class MissingLocalHandlerError extends RungsError {}

/**
 * Renders the state machine of `template`: the only one, or the one with
 * logical id `stateMachineId`. A Lambda function's ARN becomes
 * `arn:aws:lambda:us-east-1:123456789012:function:<LogicalId>`.
 */
export function renderDefinition(
  template: CfnTemplate,
  stateMachineId?: string,
): RenderedDefinition {
  const resource = findStateMachine(template, stateMachineId);
  const text = renderString(template, resource.Properties?.DefinitionString);
  const definition = JSON.parse(text) as AslDefinition;

  return { definition, taskFunctions: taskFunctions(definition) };
}

/**
 * The `overrides.taskResourceLocalHandlers` of aws-local-stepfunctions: each
 * task state runs the handler bound to the function it invokes. A task that
 * names the function ARN directly hands the handler its payload and keeps
 * what it returns, as Lambda would (the lambda:invoke integration would wrap
 * both). Throws if a function has no handler, so no task can fall through to
 * a real AWS call.
 */
export function localTaskHandlers(
  rendered: RenderedDefinition,
  handlers: Readonly<Record<string, LocalHandler>>,
): Record<string, LocalHandler> {
  const entries = Object.entries(rendered.taskFunctions).map(([state, fn]) => {
    const handler = handlers[fn];
    if (!handler)
      throw new MissingLocalHandlerError(
        `Task state ${state} invokes function ${fn}, which has no local handler; pass one for each of: ${[...new Set(Object.values(rendered.taskFunctions))].join(", ")}`,
      );
    return [state, handler] as const;
  });
  return Object.fromEntries(entries);
}

function findStateMachine(template: CfnTemplate, stateMachineId?: string) {
  const machines = Object.entries(template.Resources).filter(
    ([id, r]) =>
      r.Type === "AWS::StepFunctions::StateMachine" &&
      (stateMachineId === undefined || id === stateMachineId),
  );
  const [first] = machines;
  if (machines.length !== 1 || !first)
    throw new UnrenderableDefinitionError(
      `Expected one state machine${stateMachineId ? ` with logical id ${stateMachineId}` : ""}; the template has ${machines.map(([id]) => id).join(", ") || "none"}`,
    );
  return first[1];
}

/** Resolves the intrinsic functions CDK uses in a DefinitionString. */
function renderString(template: CfnTemplate, value: unknown): string {
  if (typeof value === "string") return value;
  if (!isRecord(value))
    throw new UnrenderableDefinitionError(`Cannot render ${JSON.stringify(value)}`);

  const join = value["Fn::Join"];
  if (Array.isArray(join)) {
    const [separator, parts] = join as [string, unknown[]];
    return parts.map((part) => renderString(template, part)).join(separator);
  }

  const ref = value.Ref;
  if (typeof ref === "string") return PSEUDO_PARAMETERS[ref] ?? ref;

  const getAtt = value["Fn::GetAtt"];
  if (Array.isArray(getAtt)) return renderGetAtt(template, getAtt as [string, string]);

  throw new UnrenderableDefinitionError(
    `Cannot render ${JSON.stringify(value)}: only Fn::Join, Ref and Fn::GetAtt are supported`,
  );
}

function renderGetAtt(template: CfnTemplate, [id, attribute]: [string, string]): string {
  const type = template.Resources[id]?.Type;
  if (type === "AWS::Lambda::Function" && attribute === "Arn")
    return `arn:aws:lambda:${PSEUDO_PARAMETERS["AWS::Region"]}:${PSEUDO_PARAMETERS["AWS::AccountId"]}:function:${id}`;

  throw new UnrenderableDefinitionError(
    `Cannot render Fn::GetAtt ${id}.${attribute} (${type ?? "no such resource"}): only Lambda function ARNs are supported`,
  );
}

function taskFunctions(definition: AslDefinition): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const fn = state.Type === "Task" ? invokedFunction(state) : undefined;
    if (fn) found[name] = fn;

    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])];
    for (const inner of nested) if (inner) Object.assign(found, taskFunctions(inner));
  }
  return found;
}

/** The function's logical id, for a direct ARN or the lambda:invoke integration. */
function invokedFunction(state: AslState): string | undefined {
  const target =
    state.Resource === "arn:aws:states:::lambda:invoke"
      ? state.Parameters?.FunctionName
      : state.Resource;
  return typeof target === "string" ? LAMBDA_ARN.exec(target)?.[1] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
