import type { TimelineRow } from './load-recorder.ts';

interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

const WIDTH = 900;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 70, right: 150, top: 40, bottom: 36 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A tick step that gives about five ticks: 1, 2 or 5 times a power of ten. */
function niceStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

function panel(title: string, unit: string, series: readonly Series[], top: number, seconds: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const finite = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  const max = Math.max(1, ...finite) * 1.1;
  const step = niceStep(max);
  const x = (t: number): number => MARGIN.left + (seconds <= 1 ? 0 : (t / (seconds - 1)) * plotWidth);
  const y = (v: number): number => top + MARGIN.top + plotHeight - (v / max) * plotHeight;
  const parts: string[] = [
    `<text x="${MARGIN.left}" y="${top + 24}" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
  ];
  for (let v = 0; v <= max; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${yy}" y2="${yy}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${yy}" font-size="11" text-anchor="end" dominant-baseline="middle">${Number(v.toPrecision(6))}</text>`,
    );
  }
  parts.push(
    `<text x="16" y="${top + MARGIN.top + plotHeight / 2}" font-size="11" transform="rotate(-90 16 ${top + MARGIN.top + plotHeight / 2})" text-anchor="middle">${escape(unit)}</text>`,
  );
  const xStep = niceStep(Math.max(1, seconds));
  for (let t = 0; t < seconds; t += xStep) {
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${top + PANEL_HEIGHT - 14}" font-size="11" text-anchor="middle">${t}s</text>`,
    );
  }
  series.forEach((s, i) => {
    // Seconds without a value (no replies yet) break the line instead of dropping to zero.
    const segments: string[][] = [[]];
    s.values.forEach((v, t) => {
      if (Number.isFinite(v)) segments[segments.length - 1]!.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      else if (segments[segments.length - 1]!.length > 0) segments.push([]);
    });
    for (const points of segments.filter((p) => p.length > 0)) {
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`);
    }
    const ly = top + MARGIN.top + 14 + i * 18;
    parts.push(
      `<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 32}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${WIDTH - MARGIN.right + 38}" y="${ly}" font-size="12" dominant-baseline="middle">${escape(s.label)}</text>`,
    );
  });
  return parts.join('\n');
}

/**
 * An SVG of a load run: throughput (events sent and replies received per second) above
 * end-to-end latency (p50 and p99 per second), over the same time axis.
 */
export function renderChartSvg(title: string, rows: readonly TimelineRow[]): string {
  const seconds = rows.length;
  const height = PANEL_HEIGHT * 2 + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="13" fill="#555">${escape(title)}</text>`,
    panel(
      'Throughput',
      'events/s',
      [
        { label: 'sent', color: '#1f77b4', values: rows.map((r) => r.sent) },
        { label: 'replies', color: '#2ca02c', values: rows.map((r) => r.replies) },
      ],
      10,
      seconds,
    ),
    panel(
      'End-to-end latency (ingress → reply)',
      'ms',
      [
        { label: 'p50', color: '#ff7f0e', values: rows.map((r) => r.e2eP50Ms) },
        { label: 'p99', color: '#d62728', values: rows.map((r) => r.e2eP99Ms) },
      ],
      10 + PANEL_HEIGHT,
      seconds,
    ),
    '</svg>',
    '',
  ].join('\n');
}
