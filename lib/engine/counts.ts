/** A copy of per-rung counts with one rung changed by `by`, growing the list as needed. */
export function incremented(counts: readonly number[], rung: number, by = 1): number[] {
  const next = [...counts];
  while (next.length <= rung) next.push(0);
  next[rung] = next[rung]! + by;
  return next;
}
