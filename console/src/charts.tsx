/**
 * Line charts drawn by uPlot (https://github.com/leeoniya/uPlot: MIT, ~24 kB gzipped in the bundle, canvas, no
 * dependencies). It styles through the CSSOM and its stylesheet comes from the bundle, so the
 * console's CSP needs nothing more. Each chart has a text alternative: a table of the same rows.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
  /** A CSS class giving the colour as `--series` (see styles.css `.series-*`). */
  readonly className: string;
}

export interface Threshold {
  readonly label: string;
  readonly value: number;
  /** A CSS class giving the colour as `--series` (see styles.css `.threshold-*`). */
  readonly className: string;
}

/** The plot's height in CSS pixels (its width is the container's). */
const HEIGHT = 192;
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** A period on the axis: `2026-12-01T09:00` → `09:00`, `2026-12-01` → `12-01`, `2026-12` → `2026-12`. */
const shortPeriod = (label = '') => (label.length > 10 ? label.slice(-5) : label.length === 10 ? label.slice(5) : label);

/** Lines over periods, with optional horizontal threshold lines (e.g. SES's bounce-rate limits), dashed and labelled. */
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
  const plotRef = useRef<HTMLDivElement>(null);
  const legendRef = useRef<HTMLDivElement>(null);
  const formatRef = useRef(format);
  formatRef.current = format;
  // The page re-renders on every health and lane refresh: the chart is rebuilt only when what it shows changes.
  const shown = JSON.stringify({ labels, series, thresholds });

  useEffect(() => {
    const plot = plotRef.current;
    const legend = legendRef.current;
    if (!plot || !legend) return;
    const { labels, series, thresholds } = JSON.parse(shown) as { labels: string[]; series: Series[]; thresholds: Threshold[] };
    // Colours come from styles.css, so the chart, its legend and the rest of the console agree.
    const colour = (className: string) => {
      const probe = document.createElement('span');
      probe.className = className;
      legend.append(probe);
      const value = getComputedStyle(probe).getPropertyValue('--series').trim();
      probe.remove();
      return value;
    };
    const css = getComputedStyle(plot);
    const muted = css.getPropertyValue('--muted').trim();
    const line = css.getPropertyValue('--line').trim();
    const fmt = (n: number) => formatRef.current(n);
    const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values), ...thresholds.map((t) => t.value * 1.25)));
    const every = Math.max(1, Math.ceil(labels.length / 7));
    const limits = thresholds.map((t) => ({ ...t, stroke: colour(t.className) }));
    const strokes = ['', ...series.map((s) => colour(s.className)), ...limits.map((t) => t.stroke)];
    const options: uPlot.Options = {
      width: plot.clientWidth,
      height: HEIGHT,
      scales: {
        x: { time: false, range: labels.length <= 1 ? [-1, 1] : [0, labels.length - 1] },
        y: { range: [0, max] },
      },
      series: [
        { label: 'Period', value: (_u, i) => (i === null ? '–' : (labels[i] ?? '')) },
        ...series.map((s, i) => ({
          label: s.name,
          stroke: strokes[i + 1],
          width: 2,
          points: { size: 5, fill: strokes[i + 1] },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : fmt(v)),
        })),
        ...limits.map((t) => ({ label: t.label, stroke: t.stroke, width: 1.5, dash: [6, 4], points: { show: false }, value: () => fmt(t.value) })),
      ],
      axes: [
        {
          font: FONT,
          stroke: muted,
          size: 28,
          grid: { show: false },
          ticks: { stroke: line, size: 4 },
          splits: () => labels.map((_, i) => i).filter((i) => i % every === 0 || i === labels.length - 1),
          values: (_u, splits) => splits.map((i) => shortPeriod(labels[i])),
        },
        {
          font: FONT,
          stroke: muted,
          size: 56,
          grid: { stroke: line, width: 1 },
          ticks: { show: false },
          splits: () => [0, max / 2, max],
          values: (_u, splits) => splits.map(fmt),
        },
      ],
      // No drag-to-zoom: a chart of at most 30 periods, and a table beside it.
      cursor: { drag: { x: false, y: false } },
      // Under the plot, outside the role="img" wrapper (so it is read); filled markers for lines, dashed ones for thresholds.
      legend: { mount: (_u, el) => legend.append(el), markers: { fill: (_u, i) => (i > series.length ? 'transparent' : (strokes[i] ?? '')) } },
      hooks: {
        // Each threshold's label on its line, as well as in the legend.
        draw: [
          (u) => {
            const { ctx } = u;
            ctx.save();
            ctx.font = FONT.replace('11px', `${Math.round(11 * uPlot.pxRatio)}px`);
            ctx.textAlign = 'left';
            ctx.textBaseline = 'bottom';
            for (const t of limits) {
              ctx.fillStyle = t.stroke;
              ctx.fillText(t.label, u.bbox.left + 4 * uPlot.pxRatio, u.valToPos(t.value, 'y', true) - 2 * uPlot.pxRatio);
            }
            ctx.restore();
          },
        ],
      },
    };
    const data: uPlot.AlignedData = [labels.map((_, i) => i), ...series.map((s) => [...s.values]), ...limits.map((t) => labels.map(() => t.value))];
    const chart = new uPlot(options, data, plot);
    // Follow the container's width (a phone must not scroll sideways).
    const resize = new ResizeObserver(() => {
      if (plot.clientWidth > 0 && plot.clientWidth !== chart.width) chart.setSize({ width: plot.clientWidth, height: HEIGHT });
    });
    resize.observe(plot);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [shown]);

  return (
    <figure className="chart">
      <div ref={plotRef} className="plot" role="img" aria-label={title} />
      <figcaption>
        <div ref={legendRef} className="legend" />
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
