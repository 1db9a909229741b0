/** A stop signal for one trial, and the way to let go of its timer and listener. */
export interface TrialStop {
  readonly signal: AbortSignal;
  /** Clears the timer and stops listening to the caller's signal. */
  release(): void;
}

/**
 * One signal that aborts when the caller's signal does or when the time limit
 * passes, whichever comes first. Its reason is the text a failed result shows.
 */
export function trialStop(
  timeoutSeconds: number | undefined,
  caller: AbortSignal | undefined,
): TrialStop {
  const controller = new AbortController();
  const onAbort = () => controller.abort("aborted before fastText finished");

  if (caller?.aborted) onAbort();
  caller?.addEventListener("abort", onAbort, { once: true });

  const timer =
    timeoutSeconds === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(`timed out after ${timeoutSeconds} s`),
          timeoutSeconds * 1000,
        );

  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onAbort);
    },
  };
}
