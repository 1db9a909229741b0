import type { CurvePoint } from "./outcome";

/** Median of the values; undefined for none. An even count averages the middle two. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle];
  return (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** "median (min–max)", each with `digits` decimals; "–" for no values. */
export function medianAndRange(values: readonly number[], digits: number): string {
  const m = median(values);
  if (m === undefined) return "–";
  const low = Math.min(...values).toFixed(digits);
  const high = Math.max(...values).toFixed(digits);
  return low === high ? m.toFixed(digits) : `${m.toFixed(digits)} (${low}–${high})`;
}

/** The best score reached within `epochs` epochs, or -Infinity before the first. */
export function bestAt(curve: readonly CurvePoint[], epochs: number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const point of curve) {
    if (point.epochs > epochs) break;
    best = point.best;
  }
  return best;
}

/**
 * The median over runs of the best score within `epochs` epochs; undefined
 * while at least half of the runs have no score yet.
 */
export function medianBestAt(
  curves: readonly (readonly CurvePoint[])[],
  epochs: number,
): number | undefined {
  const m = median(curves.map((curve) => bestAt(curve, epochs)));
  return m === undefined || !Number.isFinite(m) ? undefined : m;
}
