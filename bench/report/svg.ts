/** The benchmark chart, drawn as plain SVG (no dependency): throughput bars and latency percentiles. */
export interface ChartInput {
  readonly bare: { eps: number; p50: number; p95: number; p99: number };
  readonly pipeline: { eps: number; p50: number; p95: number; p99: number };
  readonly title: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function benchChart(input: ChartInput): string {
  const W = 720;
  const H = 300;
  const panel = (x: number, title: string, groups: Array<{ label: string; values: Array<{ name: string; v: number; color: string }> }>, unit: string) => {
    const max = Math.max(1, ...groups.flatMap((g) => g.values.map((v) => v.v))) * 1.15;
    const top = 50;
    const bottom = H - 40;
    const width = 320;
    const groupWidth = width / groups.length;
    let s = `<text x="${x + width / 2}" y="30" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`;
    s += `<line x1="${x}" y1="${bottom}" x2="${x + width}" y2="${bottom}" stroke="#444"/>`;
    groups.forEach((g, gi) => {
      const barWidth = (groupWidth - 20) / g.values.length;
      g.values.forEach((v, vi) => {
        const h = Number.isFinite(v.v) ? ((bottom - top) * v.v) / max : 0;
        const bx = x + gi * groupWidth + 10 + vi * barWidth;
        s += `<rect x="${bx.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${v.color}"><title>${esc(`${g.label} ${v.name}: ${v.v.toFixed(1)} ${unit}`)}</title></rect>`;
        s += `<text x="${(bx + (barWidth - 4) / 2).toFixed(1)}" y="${(bottom - h - 4).toFixed(1)}" text-anchor="middle" font-size="10">${Number.isFinite(v.v) ? (v.v >= 100 ? v.v.toFixed(0) : v.v.toFixed(1)) : 'n/a'}</text>`;
        if (g.values.length > 1)
          s += `<text x="${(bx + (barWidth - 4) / 2).toFixed(1)}" y="${bottom + 12}" text-anchor="middle" font-size="9">${esc(v.name)}</text>`;
      });
      s += `<text x="${(x + gi * groupWidth + groupWidth / 2).toFixed(1)}" y="${bottom + (g.values.length > 1 ? 26 : 14)}" text-anchor="middle" font-size="11">${esc(g.label)}</text>`;
    });
    s += `<text x="${x}" y="${top - 6}" font-size="10" fill="#666">${esc(unit)}</text>`;
    return s;
  };
  const blue = '#4e79a7';
  const orange = '#f28e2b';
  const left = panel(
    30,
    'Throughput (emails/s, median)',
    [
      { label: 'bare SDK', values: [{ name: 'bare', v: input.bare.eps, color: blue }] },
      { label: 'Mailroom pipeline', values: [{ name: 'pipeline', v: input.pipeline.eps, color: orange }] },
    ],
    'emails/s',
  );
  const right = panel(
    380,
    'Accept-to-sent latency (ms, median run)',
    [
      { label: 'bare SDK', values: ['p50', 'p95', 'p99'].map((k) => ({ name: k, v: input.bare[k as 'p50'], color: blue })) },
      { label: 'Mailroom pipeline', values: ['p50', 'p95', 'p99'].map((k) => ({ name: k, v: input.pipeline[k as 'p50'], color: orange })) },
    ],
    'ms',
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 20}" viewBox="0 0 ${W} ${H + 20}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${left}
${right}
<text x="${W / 2}" y="${H + 12}" text-anchor="middle" font-size="10" fill="#666">${esc(input.title)}</text>
</svg>
`;
}
