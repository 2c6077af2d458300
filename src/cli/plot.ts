// A tiny SVG scatter writer for `pg-centroid plot`: rows coloured by cluster, each centroid marked
// and numbered, a legend, axes with round ticks; and an HTML page holding the same SVG inline.

/** One point to draw (already projected to 2-D). */
export interface PlotPoint {
  x: number;
  y: number;
  cluster: number | null;
}

/** One centroid to mark. */
export interface PlotCentroid {
  x: number;
  y: number;
  cluster: number;
  size: number | null;
}

/** What a plot shows. */
export interface PlotData {
  title: string;
  subtitle: string;
  axes: [string, string];
  points: PlotPoint[];
  centroids: PlotCentroid[];
}

const WIDTH = 800;
const HEIGHT = 560;
const MARGIN = { left: 70, right: 210, top: 60, bottom: 60 };

// Tableau 10: distinguishable, and readable by most colour-blind viewers.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** The fill colour of cluster c: the palette, then golden-angle hues beyond ten clusters. */
export function clusterColour(c: number): string {
  if (c < PALETTE.length) return PALETTE[c] as string;
  const hue = Math.round((c * 137.508) % 360);
  return `hsl(${hue},65%,${c % 2 === 0 ? 45 : 60}%)`;
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One element: name, attributes (numbers rounded to 2 decimals), children or text. */
function el(name: string, attrs: Record<string, string | number>, children = ''): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? +v.toFixed(2) : escapeXml(v)}"`)
    .join('');
  return children === '' ? `<${name}${a}/>` : `<${name}${a}>${children}</${name}>`;
}

/** Round tick values covering [lo, hi] (about five). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const closeness = (m: number) => Math.abs(Math.log((m * power) / raw));
  const step = [1, 2, 2.5, 5, 10].reduce((best, m) => (closeness(m) < closeness(best) ? m : best)) * power;
  const out: number[] = [];
  // The epsilon keeps ends that are multiples of the step despite float rounding (-0.3 / 0.1).
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) out.push(+(i * step).toPrecision(12));
  return out;
}

/** The extent of values, widened by 5% (and around a single value). */
function extent(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** Renders the scatter as a standalone SVG document. */
export function renderSvg(data: PlotData): string {
  const xs = [...data.points.map((p) => p.x), ...data.centroids.map((c) => c.x)];
  const ys = [...data.points.map((p) => p.y), ...data.centroids.map((c) => c.y)];
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(ys);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [];

  parts.push(el('rect', { x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: 'white' }));
  parts.push(el('text', { x: MARGIN.left, y: 26, 'font-size': 16, 'font-weight': 'bold' }, escapeXml(data.title)));
  parts.push(el('text', { x: MARGIN.left, y: 44, 'font-size': 12, fill: '#555' }, escapeXml(data.subtitle)));
  parts.push(axes(data.axes, ticks(x0, x1), ticks(y0, y1), sx, sy, plotW, plotH));

  const dots = data.points.map((p) =>
    p.cluster === null
      ? el('circle', { class: 'point unlabelled', cx: sx(p.x), cy: sy(p.y), r: 2.5, fill: 'none', stroke: '#999' })
      : el('circle', { class: 'point', 'data-cluster': p.cluster, cx: sx(p.x), cy: sy(p.y), r: 2.5, fill: clusterColour(p.cluster), 'fill-opacity': 0.7 }),
  );
  parts.push(el('g', { class: 'points' }, dots.join('')));
  parts.push(el('g', { class: 'centroids' }, data.centroids.map((c) => centroidMarker(c, sx(c.x), sy(c.y))).join('')));
  parts.push(legend(data));
  return `<?xml version="1.0" encoding="UTF-8"?>\n` + el('svg', { xmlns: 'http://www.w3.org/2000/svg', width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, 'font-family': 'sans-serif' }, parts.join('\n')) + '\n';
}

/** A centroid: a diamond in its cluster's colour with a dark outline, and its number beside it. */
function centroidMarker(c: PlotCentroid, x: number, y: number): string {
  const r = 9;
  const diamond = `M ${+x.toFixed(2)} ${+(y - r).toFixed(2)} L ${+(x + r).toFixed(2)} ${+y.toFixed(2)} L ${+x.toFixed(2)} ${+(y + r).toFixed(2)} L ${+(x - r).toFixed(2)} ${+y.toFixed(2)} Z`;
  const label = String(c.cluster);
  return el('g', { class: 'centroid', 'data-cluster': c.cluster },
    el('path', { d: diamond, fill: clusterColour(c.cluster), stroke: '#111', 'stroke-width': 2 }) +
    // A white halo keeps the number readable over dense points.
    el('text', { x: x + r + 3, y: y + 5, 'font-size': 14, 'font-weight': 'bold', stroke: 'white', 'stroke-width': 3, 'paint-order': 'stroke', fill: '#111' }, label),
  );
}

/** Axes, grid lines, tick labels and axis titles. */
function axes(names: [string, string], xt: number[], yt: number[], sx: (x: number) => number, sy: (y: number) => number, w: number, h: number): string {
  const bottom = MARGIN.top + h;
  const out: string[] = [];
  for (const t of xt) {
    out.push(el('line', { x1: sx(t), y1: MARGIN.top, x2: sx(t), y2: bottom, stroke: '#eee' }));
    out.push(el('text', { x: sx(t), y: bottom + 16, 'font-size': 11, 'text-anchor': 'middle', fill: '#444' }, escapeXml(formatTick(t))));
  }
  for (const t of yt) {
    out.push(el('line', { x1: MARGIN.left, y1: sy(t), x2: MARGIN.left + w, y2: sy(t), stroke: '#eee' }));
    out.push(el('text', { x: MARGIN.left - 6, y: sy(t) + 4, 'font-size': 11, 'text-anchor': 'end', fill: '#444' }, escapeXml(formatTick(t))));
  }
  out.push(el('rect', { x: MARGIN.left, y: MARGIN.top, width: w, height: h, fill: 'none', stroke: '#888' }));
  out.push(el('text', { x: MARGIN.left + w / 2, y: bottom + 40, 'font-size': 13, 'text-anchor': 'middle' }, escapeXml(names[0])));
  if (names[1]) {
    out.push(el('text', { x: 18, y: MARGIN.top + h / 2, 'font-size': 13, 'text-anchor': 'middle', transform: `rotate(-90 18 ${MARGIN.top + h / 2})` }, escapeXml(names[1])));
  }
  return el('g', { class: 'axes' }, out.join(''));
}

/** A tick label without float noise. */
function formatTick(t: number): string {
  return Math.abs(t) >= 1e5 || (Math.abs(t) < 1e-3 && t !== 0) ? t.toExponential(1) : String(+t.toPrecision(6));
}

/** The legend: one swatch per cluster with its number and size, plus unlabelled rows if any. */
function legend(data: PlotData): string {
  const x = WIDTH - MARGIN.right + 20;
  const rows = data.centroids.map((c, i) => {
    const y = MARGIN.top + 10 + i * 20;
    return el('rect', { x, y: y - 10, width: 12, height: 12, fill: clusterColour(c.cluster), stroke: '#111' }) +
      el('text', { x: x + 18, y, 'font-size': 12 }, escapeXml(`cluster ${c.cluster}${c.size === null ? '' : ` (${c.size} rows)`}`));
  });
  const unlabelled = data.points.filter((p) => p.cluster === null).length;
  if (unlabelled > 0) {
    const y = MARGIN.top + 10 + rows.length * 20;
    rows.push(el('circle', { cx: x + 6, cy: y - 4, r: 4, fill: 'none', stroke: '#999' }) + el('text', { x: x + 18, y, 'font-size': 12 }, `unlabelled (${unlabelled} in sample)`));
  }
  const y = MARGIN.top + 10 + rows.length * 20 + 6;
  rows.push(el('text', { x, y, 'font-size': 11, fill: '#555' }, '◆ = centroid'));
  return el('g', { class: 'legend' }, rows.join(''));
}

/** An HTML page that shows the SVG inline, with the cluster table under it. */
export function renderHtml(data: PlotData, svg: string): string {
  const inline = svg.replace(/^<\?xml[^>]*>\s*/, '');
  const rows = data.centroids
    .map((c) => `<tr><td><span style="display:inline-block;width:12px;height:12px;background:${clusterColour(c.cluster)}"></span> ${c.cluster}</td><td>${c.size ?? ''}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeXml(data.title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left}</style></head>
<body>
<h1>${escapeXml(data.title)}</h1>
<p>${escapeXml(data.subtitle)}</p>
${inline}
<table><tr><th>cluster</th><th>rows</th></tr>
${rows}
</table>
</body>
</html>
`;
}
