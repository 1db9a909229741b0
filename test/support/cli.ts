import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `rungs <args>` from the TypeScript sources, as its own process group. */
export function startRungs(args: readonly string[]): {
  child: ChildProcess;
  done: Promise<CliRun>;
} {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "bin", "rungs.ts"), ...args],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<CliRun>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export function runRungs(args: readonly string[]): Promise<CliRun> {
  return startRungs(args).done;
}

export const TINY = {
  train: join(ROOT, "test", "fixtures", "tiny", "train.txt"),
  valid: join(ROOT, "test", "fixtures", "tiny", "valid.txt"),
};
