import { spawn } from "node:child_process";

/** How one fastText process ended, with what it printed. */
export interface FastTextRun {
  /** Exit code; null when a signal ended the process or it never started. */
  readonly code: number | null;
  /** The signal that ended the process, if any (SIGABRT is how fastText reports errors). */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The end of stderr, where fastText says what went wrong. */
  readonly stderr: string;
  /** fastText printed "Encountered NaN.": the loss diverged. */
  readonly diverged: boolean;
  /** Why rungs killed the process: the abort reason of the stop signal. */
  readonly stoppedBecause?: string;
  /** Set when the binary could not be started at all. */
  readonly startError?: Error;
}

/** fastText 0.9.2 throws this when a weight becomes NaN, then aborts. */
const NAN_MESSAGE = "Encountered NaN";

/**
 * Characters of output kept. `fasttext test` prints three short lines, but
 * `-verbose 2` prints progress to stderr several times a second, so only the
 * end of stderr is kept to hold memory flat through long trainings.
 */
const STDOUT_LIMIT = 64 * 1024;
const STDERR_TAIL = 4 * 1024;

/**
 * Runs fastText with an argument array (no shell, so no quoting of paths or
 * values) and resolves when it has ended and its output is read. Never
 * rejects: every way of ending is described in the result.
 *
 * The process is killed with SIGKILL when `stop` aborts or a NaN shows up in
 * its output; fastText holds no state worth a graceful shutdown. It stays in
 * rungs' process group, so Ctrl-C in a terminal reaches it even if rungs
 * itself dies first.
 */
export function runFastText(
  binary: string,
  args: readonly string[],
  stop: AbortSignal,
): Promise<FastTextRun> {
  const notRun = { code: null, signal: null, stdout: "", stderr: "", diverged: false };
  if (stop.aborted) {
    return Promise.resolve({ ...notRun, stoppedBecause: String(stop.reason) });
  }

  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      // spawn throws synchronously for arguments it cannot pass, e.g. a NUL byte.
      resolve({ ...notRun, startError: error as Error });
      return;
    }

    let stdout = "";
    let stderr = "";
    let diverged = false;
    let stoppedBecause: string | undefined;
    let startError: Error | undefined;

    const isRunning = () => child.exitCode === null && child.signalCode === null;
    const onStop = () => {
      if (!isRunning()) return;
      stoppedBecause = String(stop.reason);
      child.kill("SIGKILL");
    };
    const watchForNaN = (text: string) => {
      if (diverged || !text.includes(NAN_MESSAGE)) return;
      diverged = true;
      if (isRunning()) child.kill("SIGKILL");
    };

    stop.addEventListener("abort", onStop, { once: true });
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout = (stdout + chunk).slice(-STDOUT_LIMIT);
      watchForNaN(stdout);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      // Searching the kept tail, not the chunk, finds a message split across chunks.
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
      watchForNaN(stderr);
    });
    child.on("error", (error) => {
      startError = error;
    });
    child.on("close", (code, signal) => {
      stop.removeEventListener("abort", onStop);
      resolve({ code, signal, stdout, stderr, diverged, stoppedBecause, startError });
    });
  });
}

/**
 * Why a run failed, in words a user can act on; undefined when it succeeded.
 * A NaN comes first: fastText aborts on it, and that abort is the symptom.
 */
export function failureReason(run: FastTextRun, binary: string): string | undefined {
  if (run.diverged) {
    return "NaN loss: training diverged (fastText printed 'Encountered NaN'); lower lr";
  }
  if (run.stoppedBecause !== undefined) return run.stoppedBecause;
  if (run.startError !== undefined) return startFailure(run.startError, binary);
  if (run.signal === "SIGKILL") {
    return "fastText was killed by SIGKILL, most likely by the out-of-memory killer; lower dim or bucket, or run fewer trainings at once";
  }
  if (run.signal !== null)
    return `fastText stopped on ${run.signal}: ${lastWords(run.stderr)}`;
  if (run.code !== 0)
    return `fastText exited with code ${run.code}: ${lastWords(run.stderr)}`;
  return undefined;
}

function startFailure(error: NodeJS.ErrnoException, binary: string): string {
  const fix =
    "install fastText 0.9.2, or set the binary option or RUNGS_FASTTEXT to its path";
  if (error.code === "ENOENT") return `fastText binary not found at "${binary}"; ${fix}`;
  if (error.code === "EACCES")
    return `fastText binary "${binary}" is not executable; ${fix}`;
  return `could not start fastText "${binary}": ${error.message}`;
}

/**
 * The last lines fastText wrote to stderr, without progress lines. For an
 * uncaught C++ exception (how fastText reports bad input) the `what():` line
 * alone says it all.
 */
function lastWords(stderr: string): string {
  const lines = stderr
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("Progress:"));
  const what = lines.findLast((line) => line.startsWith("what():"));
  if (what !== undefined) return what.slice("what():".length).trim();
  return lines.length === 0 ? "(no output on stderr)" : lines.slice(-3).join(" | ");
}

/**
 * The fastText executable: the explicit option, else the RUNGS_FASTTEXT
 * environment variable, else `fasttext` looked up on PATH.
 */
export function fastTextBinary(option: string | undefined): string {
  return option ?? (process.env.RUNGS_FASTTEXT || "fasttext");
}
