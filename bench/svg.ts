// A hand-written SVG line plot (no charting dependency): time against window size, one line per series.

/** One line of the plot. */
export interface Series {
  name: string;
  color: string;
  /** Drawn dashed (a second line of the same color). */
  dashed?: boolean;
  points: { x: number; y: number }[];
}

/** Escapes text for SVG. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A "nice" step (1, 2 or 5 x 10^n) giving about `count` ticks up to max. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Renders the series on linear axes from 0, with ticks, labels and a legend under the plot. */
export function linePlot(series: Series[], title: string, xLabel: string, yLabel: string, formatX: (x: number) => string): string {
  const W = 720;
  const PLOT_H = 440;
  const H = PLOT_H + 10 + series.length * 18;
  const L = 70;
  const R = 20;
  const T = 40;
  const B = 60;
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p.x));
  const stepY = niceStep(Math.max(1e-9, ...all.map((p) => p.y)), 6);
  const maxY = Math.max(stepY, Math.ceil(Math.max(...all.map((p) => p.y), 0) / stepY) * stepY);
  const px = (x: number) => L + (x / maxX) * (W - L - R);
  const py = (y: number) => PLOT_H - B - (y / maxY) * (PLOT_H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  for (let y = 0; y <= maxY + 1e-9; y += stepY) {
    out.push(`<line x1="${L}" y1="${py(y).toFixed(1)}" x2="${W - R}" y2="${py(y).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${esc(String(+y.toPrecision(6)))}</text>`);
  }
  const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  for (const x of xs) {
    out.push(`<line x1="${px(x).toFixed(1)}" y1="${PLOT_H - B}" x2="${px(x).toFixed(1)}" y2="${PLOT_H - B + 5}" stroke="#333"/>`);
    out.push(`<text x="${px(x).toFixed(1)}" y="${PLOT_H - B + 18}" text-anchor="middle">${esc(formatX(x))}</text>`);
  }
  out.push(`<line x1="${L}" y1="${PLOT_H - B}" x2="${W - R}" y2="${PLOT_H - B}" stroke="#333"/>`);
  out.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${PLOT_H - B}" stroke="#333"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${PLOT_H - 18}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="16" y="${(T + PLOT_H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + PLOT_H - B) / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts}"/>`);
    for (const p of s.points) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
    const ly = PLOT_H + 10 + i * 18;
    out.push(`<line x1="${L + 14}" y1="${ly}" x2="${L + 38}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${L + 44}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
