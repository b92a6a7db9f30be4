// The layout maths of the search page's scatter plot (trace duration over start time), apart from the SVG it draws:
// linear scales with "nice" ticks. Pure; tested in plain Node.
import { formatDuration } from '../../core/display';

export interface ScatterPoint {
  /** Start, Unix milliseconds. */
  readonly startMs: number;
  readonly durationNanos: number;
}

export interface Tick {
  readonly at: number;
  readonly label: string;
}

export interface ScatterLayout {
  /** Pixel position of each point, in input order. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly xTicks: readonly Tick[];
  readonly yTicks: readonly Tick[];
  /** The plot area inside the margins. */
  readonly plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
}

export const MARGIN = { left: 64, right: 16, top: 10, bottom: 24 } as const;

/** 1, 2 or 5 times a power of ten: the step nearest to `count` ticks over `span` (d3's thresholds). */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f >= Math.SQRT2 * 5 ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.SQRT2 ? 2 : 1) * power;
}

/** Time steps that read well: seconds, minutes, hours, days. */
const TIME_STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3];

export function timeStep(spanMs: number, count: number): number {
  const raw = spanMs / Math.max(count, 1);
  return TIME_STEPS_MS.find((s) => s >= raw) ?? niceStep(spanMs, count);
}

/** "20:05:10" (with milliseconds when the step is under a second). */
function timeLabel(ms: number, stepMs: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  const hms = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return stepMs < 1000 ? `${hms}.${String(d.getMilliseconds()).padStart(3, '0')}` : stepMs >= 86_400_000 ? `${d.getMonth() + 1}/${d.getDate()}` : hms;
}

/**
 * Positions for `points` in a width x height box: x is start time, y duration from 0 (up). A single point, or points
 * all at one time, sit in the middle; the duration axis always starts at 0 so heights compare.
 */
export function scatterLayout(points: readonly ScatterPoint[], width: number, height: number): ScatterLayout {
  const plot = { left: MARGIN.left, top: MARGIN.top, right: Math.max(MARGIN.left + 1, width - MARGIN.right), bottom: Math.max(MARGIN.top + 1, height - MARGIN.bottom) };
  let t0 = Infinity;
  let t1 = -Infinity;
  let dMax = 0;
  for (const p of points) {
    t0 = Math.min(t0, p.startMs);
    t1 = Math.max(t1, p.startMs);
    dMax = Math.max(dMax, p.durationNanos);
  }
  if (points.length === 0) {
    t1 = Date.now();
    t0 = t1 - 60_000;
  }
  if (t1 - t0 < 1) {
    t0 -= 500;
    t1 += 500;
  }
  // A little room at both ends so the first and last dots are not cut by the axes.
  const pad = (t1 - t0) * 0.03;
  t0 -= pad;
  t1 += pad;
  // 5% headroom so the slowest dot does not sit on the top edge.
  const yMax = (dMax > 0 ? dMax : 1_000_000) * 1.05;
  const yStep = niceStep(yMax, 4);
  const yTop = Math.max(yStep, Math.ceil(yMax / yStep) * yStep);
  const x = (t: number): number => plot.left + ((t - t0) / (t1 - t0)) * (plot.right - plot.left);
  const y = (d: number): number => plot.bottom - (d / yTop) * (plot.bottom - plot.top);
  const xStep = timeStep(t1 - t0, Math.max(2, Math.floor((plot.right - plot.left) / 110)));
  const xTicks: Tick[] = [];
  for (let t = Math.ceil(t0 / xStep) * xStep; t <= t1; t += xStep) xTicks.push({ at: x(t), label: timeLabel(t, xStep) });
  const yTicks: Tick[] = [];
  for (let d = 0; d <= yTop + yStep / 2; d += yStep) yTicks.push({ at: y(d), label: formatDuration(BigInt(Math.round(d))) });
  return { points: points.map((p) => ({ x: x(p.startMs), y: y(p.durationNanos) })), xTicks, yTicks, plot };
}
