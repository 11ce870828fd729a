// Standalone SVG line charts for the study commands: page faults vs frames (`vmlab replay
// --chart`), cycles per access vs TLB size, throughput vs a parameter. The output needs no
// stylesheet, script, font or image from elsewhere: it opens as is in a browser or an editor.
//
// Layout: title on top; the plot area with horizontal and vertical gridlines at the ticks;
// y tick labels on the left, x tick labels below, the axis labels beyond them; the legend to
// the right of the plot. Each series has its own colour (a palette that colour-blind readers
// can tell apart) and its own marker shape, so that a grey print still separates them.

export interface ChartSeries {
  name: string;
  /** [x, y] pairs, drawn in the given order; a non-finite coordinate breaks the line. */
  points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Logarithmic x axis (points with x <= 0 are left out). */
  logX?: boolean;
  /** Whether the y axis starts at 0 when every y is positive. Default true. */
  yFromZero?: boolean;
  /** Pixels; defaults 760 x 460. */
  width?: number;
  height?: number;
}

/** Okabe-Ito colours, the yellow left out (too pale on white). */
export const CHART_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;
export const CHART_MARKERS = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'cross', 'plus'] as const;
type Marker = (typeof CHART_MARKERS)[number];

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const AXIS_COLOUR = '#333333';
const GRID_COLOUR = '#e3e3e3';
const TEXT_COLOUR = '#222222';

/** Text made safe for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A coordinate with at most one decimal, no trailing zeros. */
function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/**
 * Tick positions covering [lo, hi] at a 1, 2 or 5 times a power of ten step, about `target`
 * of them; `integers` keeps the step at 1 or more. Returns the step too, for the labels.
 */
export function niceTicks(lo: number, hi: number, target: number, integers = false): { ticks: number[]; step: number } {
  // A span too small for a readable axis (or for floating point: 5e-324 makes the step
  // underflow to 0 and every tick NaN) is widened around its values.
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(hi - lo > scale * 1e-9) || !(hi - lo > 1e-300)) {
    const d = scale < 1e-300 ? 1 : scale / 10;
    return niceTicks(lo - d, hi + d, target, integers);
  }
  const rough = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(rough));
  const norm = rough / mag;
  let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  if (integers) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  const eps = step * 1e-9;
  // toPrecision drops the binary noise of k * step (0.6000000000000001).
  for (let k = Math.ceil((lo - eps) / step); k * step <= hi + eps; k++) ticks.push(Number((k * step).toPrecision(12)));
  return { ticks, step };
}

/** Decimals needed to show multiples of `step` exactly (0 for integers). */
function decimalsFor(step: number): number {
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
}

/**
 * A short tick label: 12, 1.5k, 7.25M, 0.25. Values of a thousand and more use k, M or G
 * with up to three significant digits, but a whole number below 10,000 that is not a round
 * thousand stays as it is (a TLB of 1024 entries reads 1024, not 1.024k).
 */
export function tickLabel(v: number, step: number): string {
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 10_000 && a % 1000 !== 0) return String(v);
  for (const [unit, div] of [['G', 1e9], ['M', 1e6], ['k', 1e3]] as const) {
    if (a >= div) {
      const d = Math.min(3, decimalsFor(step / div));
      return `${Number((v / div).toFixed(d))}${unit}`;
    }
  }
  return String(Number(v.toFixed(decimalsFor(step))));
}

/** An exact value for a tooltip: thousands separators, up to 4 decimals. */
function exact(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: 4 });
}

/** SVG for one marker of the given shape and radius centred on (x, y); `data` is extra attributes. */
function markerSvg(shape: Marker, x: number, y: number, r: number, colour: string, data: string, tip: string): string {
  const title = tip ? `<title>${escapeXml(tip)}</title>` : '';
  data = `${data} data-marker="${shape}"`;
  const fill = `fill="${colour}" stroke="#ffffff" stroke-width="1"`;
  const poly = (pts: [number, number][]) =>
    `<polygon ${data} points="${pts.map(([a, b]) => `${px(x + a)},${px(y + b)}`).join(' ')}" ${fill}>${title}</polygon>`;
  switch (shape) {
    case 'circle':
      return `<circle ${data} cx="${px(x)}" cy="${px(y)}" r="${r}" ${fill}>${title}</circle>`;
    case 'square':
      return `<rect ${data} x="${px(x - r)}" y="${px(y - r)}" width="${2 * r}" height="${2 * r}" ${fill}>${title}</rect>`;
    case 'triangle':
      return poly([[0, -r - 1], [r + 1, r], [-r - 1, r]]);
    case 'triangle-down':
      return poly([[0, r + 1], [r + 1, -r], [-r - 1, -r]]);
    case 'diamond':
      return poly([[0, -r - 1], [r + 1, 0], [0, r + 1], [-r - 1, 0]]);
    case 'cross':
    case 'plus': {
      const k = shape === 'cross' ? r : r + 1;
      const d = shape === 'cross'
        ? `M${px(x - k)} ${px(y - k)}L${px(x + k)} ${px(y + k)}M${px(x - k)} ${px(y + k)}L${px(x + k)} ${px(y - k)}`
        : `M${px(x - k)} ${px(y)}L${px(x + k)} ${px(y)}M${px(x)} ${px(y - k)}L${px(x)} ${px(y + k)}`;
      return `<path ${data} d="${d}" stroke="${colour}" stroke-width="2.5" fill="none">${title}</path>`;
    }
  }
}

/** Ticks of a logarithmic axis over [lo, hi] (both > 0). */
function logTicks(lo: number, hi: number, xs: number[]): number[] {
  // Few distinct values (TLB sizes 4, 8, ..., 512): a tick at each reads best.
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  if (distinct.length <= 12) return distinct;
  const decades = Math.log10(hi / lo);
  const mult = decades < 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mult) {
      const t = m * 10 ** e;
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push(t);
    }
  }
  return ticks;
}

/**
 * A line chart as a standalone SVG document (see the top of the file for the layout). Each
 * marker carries `data-x`/`data-y` with its point and a tooltip naming series and values.
 */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 760;
  const height = o.height ?? 460;
  const logX = o.logX ?? false;
  const series = o.series.map((s) => ({
    name: s.name,
    // A log axis shows x > 0; below 1e-300 the logarithms lose their precision.
    points: s.points.filter(([x, y]) => !logX || !(Number.isFinite(x) && Number.isFinite(y)) || x > 1e-300),
  }));
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const xs = finite.map(([x]) => x);
  const ys = finite.map(([, y]) => y);
  const empty = finite.length === 0;

  // Domains: x over the data as it is; y widened to whole ticks (and to 0 when asked).
  let xLo = empty ? (logX ? 1 : 0) : Math.min(...xs);
  let xHi = empty ? (logX ? 10 : 1) : Math.max(...xs);
  if (xHi === xLo) {
    if (logX) { xLo /= 2; xHi *= 2; }
    else { xLo -= 1; xHi += 1; }
  } else if (!logX && !(xHi - xLo > Math.max(Math.abs(xLo), Math.abs(xHi)) * 1e-9 && xHi - xLo > 1e-300)) {
    // A span floating point cannot divide into ticks (0 to 5e-324): widen it as niceTicks does.
    const d = Math.max(1, Math.max(Math.abs(xLo), Math.abs(xHi)) / 10);
    xLo -= d;
    xHi += d;
  }
  let yLo = empty ? 0 : Math.min(...ys);
  let yHi = empty ? 1 : Math.max(...ys);
  if (o.yFromZero ?? true) {
    if (yLo > 0) yLo = 0;
    if (yHi < 0) yHi = 0;
  }
  const yt = niceTicks(yLo, yHi, 6);
  // Widen the y domain to whole steps, so that the top and bottom lines are ticks.
  yLo = Math.min(yLo, yt.ticks[0]!);
  if (yt.ticks[0]! > yLo) yt.ticks.unshift(yt.ticks[0]! - yt.step);
  yLo = yt.ticks[0]!;
  if (yt.ticks[yt.ticks.length - 1]! < yHi) yt.ticks.push(yt.ticks[yt.ticks.length - 1]! + yt.step);
  yHi = yt.ticks[yt.ticks.length - 1]!;
  const xIntegers = xs.every((x) => Number.isInteger(x));
  const xt = logX
    ? { ticks: logTicks(xLo, xHi, xs), step: 1 }
    : niceTicks(xLo, xHi, Math.max(2, Math.min(10, Math.floor(width / 80))), xIntegers);

  // Geometry.
  const yLabels = yt.ticks.map((t) => tickLabel(t, yt.step));
  const yLabelWidth = Math.max(...yLabels.map((l) => l.length)) * 7;
  const legendWidth = Math.min(220, 46 + Math.max(0, ...series.map((s) => s.name.length)) * 7.2);
  const left = 28 + yLabelWidth + 14;
  const right = width - (series.length > 0 ? legendWidth + 16 : 20);
  const top = 48;
  const bottom = height - 58;
  // The data stays a few pixels clear of the y axis and of the right edge.
  const inset = 10;
  const sx = logX
    ? (x: number) => left + inset + ((Math.log(x) - Math.log(xLo)) / (Math.log(xHi) - Math.log(xLo))) * (right - left - 2 * inset)
    : (x: number) => left + inset + ((x - xLo) / (xHi - xLo)) * (right - left - 2 * inset);
  const sy = (y: number) => bottom - ((y - yLo) / (yHi - yLo)) * (bottom - top);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${escapeXml(FONT)}" role="img" aria-label="${escapeXml(o.title)}">`,
    `<title>${escapeXml(o.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${px(width / 2)}" y="28" text-anchor="middle" font-size="17" font-weight="600" fill="${TEXT_COLOUR}">${escapeXml(o.title)}</text>`,
  );

  // Gridlines, then the axes and ticks over them.
  const grid: string[] = [];
  const axes: string[] = [];
  const xTicks = xt.ticks.filter((t) => t >= xLo - 1e-9 && t <= xHi + 1e-9);
  for (const t of yt.ticks) {
    const y = px(sy(t));
    grid.push(`<line x1="${px(left)}" y1="${y}" x2="${px(right)}" y2="${y}"/>`);
    axes.push(`<line x1="${px(left - 5)}" y1="${y}" x2="${px(left)}" y2="${y}"/>`);
    axes.push(`<text x="${px(left - 8)}" y="${y}" dy="0.35em" text-anchor="end" stroke="none">${escapeXml(tickLabel(t, yt.step))}</text>`);
  }
  for (const t of xTicks) {
    const x = px(sx(t));
    grid.push(`<line x1="${x}" y1="${px(top)}" x2="${x}" y2="${px(bottom)}"/>`);
    axes.push(`<line x1="${x}" y1="${px(bottom)}" x2="${x}" y2="${px(bottom + 5)}"/>`);
    axes.push(`<text x="${x}" y="${px(bottom + 19)}" text-anchor="middle" stroke="none">${escapeXml(tickLabel(t, logX ? Math.min(1, t) : xt.step))}</text>`);
  }
  out.push(`<g class="grid" stroke="${GRID_COLOUR}" stroke-width="1">`, ...grid, '</g>');
  out.push(
    `<g class="axes" stroke="${AXIS_COLOUR}" stroke-width="1" font-size="12" fill="${TEXT_COLOUR}">`,
    `<line x1="${px(left)}" y1="${px(bottom)}" x2="${px(right)}" y2="${px(bottom)}"/>`,
    `<line x1="${px(left)}" y1="${px(top)}" x2="${px(left)}" y2="${px(bottom)}"/>`,
    ...axes,
    '</g>',
  );
  out.push(
    `<text x="${px((left + right) / 2)}" y="${px(height - 16)}" text-anchor="middle" font-size="14" fill="${TEXT_COLOUR}">${escapeXml(o.xLabel + (logX ? ' (log scale)' : ''))}</text>`,
    `<text transform="translate(18 ${px((top + bottom) / 2)}) rotate(-90)" text-anchor="middle" font-size="14" fill="${TEXT_COLOUR}">${escapeXml(o.yLabel)}</text>`,
  );
  if (empty) {
    out.push(`<text x="${px((left + right) / 2)}" y="${px((top + bottom) / 2)}" text-anchor="middle" font-size="14" fill="#888888">no data</text>`);
  }

  // Series: a line through the finite points (broken at the others), then the markers. Where
  // series coincide, the later ones are drawn on top, so the earlier ones get slightly wider
  // lines and larger markers that still show around them.
  const widthOf = (i: number) => 2 + Math.min(4, series.length - 1 - i) * 0.6;
  const radiusOf = (i: number) => 4 + Math.min(4, series.length - 1 - i) * 0.7;
  series.forEach((s, i) => {
    const colour = CHART_COLOURS[i % CHART_COLOURS.length]!;
    const marker = CHART_MARKERS[i % CHART_MARKERS.length]!;
    out.push(`<g class="series" data-series="${escapeXml(s.name)}">`);
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) {
        out.push(`<polyline points="${run.join(' ')}" fill="none" stroke="${colour}" stroke-width="${px(widthOf(i))}" stroke-linejoin="round"/>`);
      }
      run = [];
    };
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) run.push(`${px(sx(x))},${px(sy(y))}`);
      else flush();
    }
    flush();
    for (const [x, y] of s.points) {
      if (!(Number.isFinite(x) && Number.isFinite(y))) continue;
      out.push(markerSvg(marker, sx(x), sy(y), radiusOf(i), colour, `data-x="${x}" data-y="${y}"`, `${s.name}: ${exact(x)}, ${exact(y)}`));
    }
    out.push('</g>');
  });

  // Legend: a short line with the marker, then the name.
  if (series.length > 0) {
    const lx = right + 16;
    out.push(`<g class="legend" font-size="13" fill="${TEXT_COLOUR}">`);
    series.forEach((s, i) => {
      const colour = CHART_COLOURS[i % CHART_COLOURS.length]!;
      const marker = CHART_MARKERS[i % CHART_MARKERS.length]!;
      const y = top + 8 + i * 22;
      out.push(
        `<line x1="${px(lx)}" y1="${px(y)}" x2="${px(lx + 28)}" y2="${px(y)}" stroke="${colour}" stroke-width="2"/>`,
        markerSvg(marker, lx + 14, y, 4, colour, 'class="key"', ''),
        `<text x="${px(lx + 36)}" y="${px(y)}" dy="0.35em">${escapeXml(s.name)}</text>`,
      );
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
