/**
 * Inline SVG charts for the HTML report, written by hand (no chart library: the
 * page must open offline and stay small). Two primitives: a line chart (linear or
 * log x axis, optional shaded area) and a horizontal bar chart.
 */

/** Escape text for HTML and SVG. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One line of a chart. */
export interface Series {
  name: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
  width?: number;
}

/** A line chart. */
export interface LineChart {
  width: number;
  height: number;
  series: readonly Series[];
  /** Drawn under the lines, filled. */
  area?: Series;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  xFormat: (x: number) => string;
  yFormat: (y: number) => string;
  yMax?: number;
  /** A vertical marker (e.g. the latency target). */
  marker?: { x: number; label: string };
}

const PAD = { left: 48, right: 12, top: 10, bottom: 34 };
const f = (n: number): string => (Math.round(n * 10) / 10).toString();

/** Render a line chart as an `<svg>` element. */
export function lineChart(c: LineChart): string {
  const all = [...c.series.flatMap((s) => s.points), ...(c.area?.points ?? [])].filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!c.logX || x > 0));
  if (all.length === 0) return `<svg width="${c.width}" height="${c.height}" role="img"><text x="10" y="20">no data</text></svg>`;
  const tx = (x: number): number => (c.logX ? Math.log10(Math.max(x, 1e-9)) : x);
  let x0 = Math.min(...all.map(([x]) => tx(x)));
  let x1 = Math.max(...all.map(([x]) => tx(x)));
  if (c.marker && Number.isFinite(c.marker.x)) x1 = Math.max(x1, tx(c.marker.x) + (c.logX ? 0.05 : 0));
  if (x1 <= x0) x1 = x0 + 1;
  const yMax = c.yMax ?? Math.max(1e-9, ...all.map(([, y]) => y)) * 1.08;
  const iw = c.width - PAD.left - PAD.right;
  const ih = c.height - PAD.top - PAD.bottom;
  const px = (x: number): number => PAD.left + ((tx(x) - x0) / (x1 - x0)) * iw;
  const py = (y: number): number => PAD.top + ih - (Math.min(y, yMax) / yMax) * ih;
  const path = (pts: Series['points']): string =>
    pts
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!c.logX || x > 0))
      .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f(px(x))},${f(py(y))}`)
      .join('');
  const parts: string[] = [`<svg viewBox="0 0 ${c.width} ${c.height}" width="${c.width}" height="${c.height}" role="img" class="chart">`];
  // Axes and ticks.
  parts.push(`<line x1="${PAD.left}" y1="${PAD.top + ih}" x2="${PAD.left + iw}" y2="${PAD.top + ih}" class="axis"/>`);
  parts.push(`<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + ih}" class="axis"/>`);
  for (const y of niceTicks(yMax)) {
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + iw}" y1="${f(py(y))}" y2="${f(py(y))}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 4}" y="${f(py(y) + 3)}" text-anchor="end">${esc(c.yFormat(y))}</text>`);
  }
  // Labels such as "138 min" need room (the last is drawn ending at the edge): a narrow chart gets fewer.
  const intervals = Math.max(2, Math.min(5, Math.floor(iw / 90)));
  const xTicks = c.logX ? logTicks(x0, x1) : Array.from({ length: intervals + 1 }, (_, i) => x0 + ((x1 - x0) * i) / intervals);
  xTicks.forEach((v, i) => {
    const x = c.logX ? 10 ** v : v;
    const anchor = i === 0 && !c.logX ? 'start' : i === xTicks.length - 1 && !c.logX ? 'end' : 'middle';
    parts.push(`<text x="${f(px(x))}" y="${PAD.top + ih + 13}" text-anchor="${anchor}">${esc(c.xFormat(x))}</text>`);
  });
  parts.push(`<text x="${PAD.left + iw / 2}" y="${c.height - 4}" text-anchor="middle" class="label">${esc(c.xLabel)}</text>`);
  parts.push(`<text x="10" y="${PAD.top + ih / 2}" transform="rotate(-90 10 ${PAD.top + ih / 2})" text-anchor="middle" class="label">${esc(c.yLabel)}</text>`);
  if (c.area && c.area.points.length > 0) {
    const pts = c.area.points;
    const base = `L${f(px(pts[pts.length - 1]![0]))},${f(py(0))}L${f(px(pts[0]![0]))},${f(py(0))}Z`;
    parts.push(`<path d="${path(pts)}${base}" fill="${c.area.color}" stroke="none"><title>${esc(c.area.name)}</title></path>`);
  }
  if (c.marker && Number.isFinite(c.marker.x)) {
    const x = f(px(c.marker.x));
    parts.push(`<line x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + ih}" class="marker"/><text x="${x}" y="${PAD.top + 9}" class="marker-label">${esc(c.marker.label)}</text>`);
  }
  for (const s of c.series) {
    parts.push(`<path d="${path(s.points)}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}"><title>${esc(s.name)}</title></path>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Round tick values from 0 to `max` (about five of them). */
export function niceTicks(max: number): number[] {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max * (1 + 1e-9); v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

/** Powers of ten (and 2x, 5x when the range is short) between two log10 values. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const mults = hi - lo < 3 ? [1, 2, 5] : [1];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of mults) {
      const v = e + Math.log10(m);
      if (v >= lo - 1e-9 && v <= hi + 1e-9) ticks.push(v);
    }
  }
  return ticks;
}

/** One bar. */
export interface Bar {
  label: string;
  value: number;
  color: string;
  text: string;
}

/** Horizontal bars, one per row, with an optional vertical reference line. */
export function barChart(bars: readonly Bar[], width: number, reference?: { value: number; label: string }): string {
  const rowH = 22;
  const labelW = 130;
  const textW = 120;
  const height = bars.length * rowH + 24;
  const max = Math.max(1e-9, reference?.value ?? 0, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const iw = width - labelW - textW;
  const parts = [`<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" class="chart">`];
  bars.forEach((b, i) => {
    const y = 6 + i * rowH;
    const w = Number.isFinite(b.value) ? (b.value / max) * iw : 0;
    parts.push(`<text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${labelW}" y="${y}" width="${f(w)}" height="${rowH - 6}" fill="${b.color}"><title>${esc(`${b.label}: ${b.text}`)}</title></rect>`);
    parts.push(`<text x="${f(labelW + w + 4)}" y="${y + 13}">${esc(b.text)}</text>`);
  });
  if (reference) {
    const x = f(labelW + (reference.value / max) * iw);
    parts.push(`<line x1="${x}" x2="${x}" y1="2" y2="${height - 18}" class="marker"/><text x="${x}" y="${height - 6}" text-anchor="middle" class="marker-label">${esc(reference.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
