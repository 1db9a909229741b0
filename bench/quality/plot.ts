import { METHODS, type Method, type RunOutcome } from "./outcome";
import { medianBestAt } from "./stats";

/** One colour per method, told apart in print and by most colour-blind readers. */
const COLOURS: Record<Method, string> = {
  rungs: "#d55e00",
  asha: "#0072b2",
  random: "#999999",
  optuna: "#009e73",
  autotune: "#cc79a7",
};

const PANEL = { width: 340, height: 250, left: 52, right: 12, top: 28, bottom: 40 };
const LEGEND_HEIGHT = 28;
const LEGEND_ENTRY = 130;

export interface PanelInput {
  readonly set: string;
  /** The set's epoch budget, marked on the x axis. */
  readonly budget: number;
  readonly outcomes: readonly RunOutcome[];
}

/**
 * Best validation P@1 against epochs spent, median over seeds, one panel per
 * set and one line per method. A line starts once at least half of its runs
 * have a score. The x axis is logarithmic, with ticks at powers of 3 (the
 * default rungs), and runs past the budget when a method spent more: autotune
 * is given seconds, not epochs, and cutting its line at the budget would hide
 * where its best model came from.
 */
export function qualityPlot(panels: readonly PanelInput[]): string {
  // The last entry's label, "autotune (time-boxed)", is wider than the others.
  const legendWidth = 20 + METHODS.length * LEGEND_ENTRY + 30;
  const width = Math.max(PANEL.width * panels.length, legendWidth);
  const height = PANEL.height + LEGEND_HEIGHT;
  const body = panels.map((panel, i) => drawPanel(panel, i * PANEL.width));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...body,
    legend(height - LEGEND_HEIGHT / 2),
    "</svg>",
    "",
  ].join("\n");
}

type Line = { method: Method; points: [number, number][] };

function drawPanel(panel: PanelInput, x0: number): string {
  const lines = METHODS.map((method) => medianLine(panel, method)).filter(
    (line) => line.points.length > 0,
  );
  const [low, high] = yRange(lines, panel.budget);
  const end = Math.max(panel.budget, ...lines.map((line) => line.points.at(-1)![0]));
  const plotWidth = PANEL.width - PANEL.left - PANEL.right;
  const plotHeight = PANEL.height - PANEL.top - PANEL.bottom;
  const sx = (e: number) =>
    x0 + PANEL.left + (Math.log(Math.max(e, 1)) / Math.log(end)) * plotWidth;
  const sy = (v: number) =>
    PANEL.top + (1 - (Math.max(v, low) - low) / (high - low)) * plotHeight;

  const frame = `<rect x="${sx(0)}" y="${PANEL.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#444"/>`;
  const middle = x0 + PANEL.left + plotWidth / 2;
  const title = `<text x="${middle}" y="${PANEL.top - 10}" text-anchor="middle" font-weight="bold">${panel.set}</text>`;
  const xTicks = powersOf3(end).map(
    (t) =>
      `<text x="${sx(t)}" y="${PANEL.top + plotHeight + 14}" text-anchor="middle">${t}</text>`,
  );
  const yTicks = ticks(low, high).map(
    (t) =>
      `<line x1="${sx(0)}" x2="${sx(end)}" y1="${sy(t)}" y2="${sy(t)}" stroke="#ddd"/>` +
      `<text x="${sx(0) - 4}" y="${sy(t) + 4}" text-anchor="end">${t.toFixed(2)}</text>`,
  );
  const xLabel = `<text x="${middle}" y="${PANEL.top + plotHeight + 30}" text-anchor="middle">epochs spent (log scale)</text>`;
  const budget =
    `<line x1="${sx(panel.budget)}" x2="${sx(panel.budget)}" y1="${PANEL.top}" y2="${PANEL.top + plotHeight}" stroke="#444" stroke-dasharray="2 3"/>` +
    `<text x="${sx(panel.budget) - 3}" y="${PANEL.top + plotHeight - 5}" text-anchor="end" fill="#444">budget ${panel.budget}</text>`;
  const yLabel = `<text transform="translate(${x0 + 12} ${sy((low + high) / 2)}) rotate(-90)" text-anchor="middle">best validation P@1</text>`;
  // rungs last, so that it is on top where it and ASHA coincide.
  const paths = [...lines].reverse().map((line) => {
    const [e, v] = line.points.at(-1)!;
    const points = line.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    return (
      `<polyline fill="none" ${stroke(line.method)} points="${points.join(" ")}"/>` +
      `<circle cx="${sx(e).toFixed(1)}" cy="${sy(v).toFixed(1)}" r="3" fill="${COLOURS[line.method]}"/>`
    );
  });
  return [...yTicks, frame, budget, title, ...xTicks, xLabel, yLabel, ...paths].join(
    "\n",
  );
}

/** ASHA is dashed: until evolution starts it is rungs, and the two lines often coincide. */
function stroke(method: Method): string {
  const dash = method === "asha" ? ' stroke-dasharray="5 3"' : "";
  return `stroke="${COLOURS[method]}" stroke-width="1.8"${dash}`;
}

/**
 * The median over seeds as a staircase: it can only change where some
 * seed's curve does, so those are the only corners. It runs to the budget,
 * or to the most epochs any of its runs spent when that is more.
 */
function medianLine(panel: PanelInput, method: Method): Line {
  const curves = panel.outcomes.filter((o) => o.method === method).map((o) => o.curve);
  const corners = [...new Set(curves.flatMap((c) => c.map((p) => p.epochs)))].sort(
    (a, b) => a - b,
  );
  const end = Math.max(panel.budget, ...corners);
  const points: [number, number][] = [];
  for (const epochs of [...corners, end]) {
    const value = medianBestAt(curves, epochs);
    if (value === undefined) continue;
    const previous = points.at(-1);
    if (previous !== undefined) points.push([epochs, previous[1]]);
    points.push([epochs, value]);
  }
  return { method, points };
}

/**
 * A y range a little wider than the data from a fifth of the budget on, so
 * that the low scores of the first short trainings do not flatten the rest;
 * lines below it are clipped.
 */
function yRange(lines: readonly Line[], budget: number): [number, number] {
  const later = lines.flatMap((l) => l.points.filter(([e]) => e >= budget / 5));
  const values = (later.length > 0 ? later : lines.flatMap((l) => l.points)).map(
    ([, v]) => v,
  );
  if (values.length === 0) return [0, 1];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = Math.max((high - low) * 0.08, 0.005);
  return [low - pad, high + pad];
}

/** 1, 3, 9, ... up to `end`. */
function powersOf3(end: number): number[] {
  const values: number[] = [];
  for (let t = 1; t <= end; t *= 3) values.push(t);
  return values;
}

/** About five round tick values within [low, high]. */
function ticks(low: number, high: number): number[] {
  const raw = (high - low) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const first = Math.ceil(low / step) * step;
  const values: number[] = [];
  for (let t = first; t <= high + step * 1e-9; t += step) {
    values.push(Number(t.toFixed(6)));
  }
  return values;
}

function legend(y: number): string {
  return METHODS.map((method, i) => {
    const x = 20 + i * LEGEND_ENTRY;
    return (
      `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" ${stroke(method)}/>` +
      `<text x="${x + 30}" y="${y + 4}">${method === "autotune" ? "autotune (time-boxed)" : method}</text>`
    );
  }).join("\n");
}
