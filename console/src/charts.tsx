/**
 * Two small inline-SVG charts (no chart library: the console stays ~100 kB gzipped and needs no
 * script or style from elsewhere under its CSP). Each chart has a text alternative: a table.
 */

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
  /** A CSS class giving the stroke colour (see styles.css `.series-*`). */
  readonly className: string;
}

export interface Threshold {
  readonly label: string;
  readonly value: number;
  readonly className: string;
}

const W = 640;
const H = 200;
const PAD = { left: 44, right: 12, top: 10, bottom: 26 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** Lines over periods, with optional horizontal threshold lines (e.g. SES's bounce-rate limits). */
export function LineChart({
  title,
  labels,
  series,
  thresholds = [],
  format = (n: number) => n.toLocaleString(),
}: {
  title: string;
  labels: readonly string[];
  series: readonly Series[];
  thresholds?: readonly Threshold[];
  format?: (n: number) => string;
}) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values), ...thresholds.map((t) => t.value * 1.25)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (labels.length <= 1 ? innerW / 2 : (i / (labels.length - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const every = Math.max(1, Math.ceil(labels.length / 7));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} preserveAspectRatio="none">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} />
            <text className="axis" x={PAD.left - 6} y={y(max * f) + 4} textAnchor="end">
              {format(max * f)}
            </text>
          </g>
        ))}
        {labels.map((l, i) =>
          i % every === 0 || i === labels.length - 1 ? (
            <text key={l} className="axis" x={x(i)} y={H - 8} textAnchor={labels.length > 1 && i === 0 ? 'start' : i === labels.length - 1 ? 'end' : 'middle'}>
              {l.length > 10 ? l.slice(5) : l.slice(-5)}
            </text>
          ) : null,
        )}
        {thresholds.map((t) => (
          <g key={t.label} className={t.className}>
            <line className="threshold" x1={PAD.left} x2={W - PAD.right} y1={y(t.value)} y2={y(t.value)} />
            <text className="axis" x={PAD.left + 4} y={y(t.value) - 4} textAnchor="start">
              {t.label}
            </text>
          </g>
        ))}
        {series.map((s) => (
          <g key={s.name} className={s.className}>
            <polyline className="line" fill="none" points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
            {s.values.map((v, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one dot per period, in period order.
              <circle key={i} className="dot" cx={x(i)} cy={y(v)} r={2.5} />
            ))}
          </g>
        ))}
      </svg>
      <figcaption>
        <span className="legend">
          {series.map((s) => (
            <span key={s.name} className={s.className}>
              <span className="swatch" aria-hidden="true" /> {s.name}
            </span>
          ))}
        </span>
        <details>
          <summary>{title} as a table</summary>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Period</th>
                  {series.map((s) => (
                    <th key={s.name} scope="col" className="num">
                      {s.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {labels.map((l, i) => (
                  <tr key={l}>
                    <th scope="row">{l}</th>
                    {series.map((s) => (
                      <td key={s.name} className="num">
                        {format(s.values[i] ?? 0)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </figcaption>
    </figure>
  );
}
