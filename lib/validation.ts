import { z } from "zod";

/** A seed for pure-rand's generators: a non-negative 32-bit signed integer. */
export const seedSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/**
 * Turns zod's issues into one line each that names the field, the value
 * received and what is allowed. `label` renames a field path for the door the
 * user came through (a CLI flag, an execution input field).
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  label: (path: string) => string = (path) => path,
): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const field = path === "" ? "input" : label(path);
    // A cross-field rule (custom) is handed the whole object; naming it helps nobody.
    const shown =
      "input" in issue && issue.code !== "unrecognized_keys" && issue.code !== "custom";
    const received = shown ? `received ${JSON.stringify(issue.input)}; ` : "";
    return `${field}: ${received}${allowed(issue)}`;
  });
}

function allowed(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "too_small":
      return `must be ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
    case "too_big":
      return `must be ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; remove them or check the spelling`;
    default:
      return issue.message.replace(/^Invalid input: /, "");
  }
}
