/**
 * Hand-drawn SVG charts for the daily report (no chart library: three small charts are ~2 KB
 * of code here, where a library would add 40+ KB and a canvas the unit tests cannot draw).
 */
export interface Series {
  name: string;
  color: string;
  values: number[];
}

export function LineChart({ labels, series, height = 120, title }: { labels: string[]; series: Series[]; height?: number; title: string }) {
  const w = 320;
  const pad = { l: 30, r: 6, t: 8, b: 18 };
  const n = Math.max(labels.length, 1);
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => pad.l + (n === 1 ? 0 : (i / (n - 1)) * (w - pad.l - pad.r));
  const y = (v: number) => pad.t + (1 - v / max) * (height - pad.t - pad.b);
  const tickEvery = Math.max(1, Math.ceil(n / 6));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${w} ${height}`} role="img" aria-label={title}>
        <line x1={pad.l} x2={w - pad.r} y1={y(0)} y2={y(0)} class="axis" />
        <text x={pad.l - 4} y={y(max) + 4} class="tick" text-anchor="end">
          {max}
        </text>
        <text x={pad.l - 4} y={y(0)} class="tick" text-anchor="end">
          0
        </text>
        {labels.map((l, i) =>
          i % tickEvery === 0 ? (
            <text key={l + i} x={x(i)} y={height - 4} class="tick" text-anchor="middle">
              {l}
            </text>
          ) : null,
        )}
        {series.map((s) => (
          <polyline key={s.name} fill="none" stroke={s.color} stroke-width="2" points={s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

export function BarChart({ items, title, height = 110 }: { items: Array<{ label: string; value: number; color: string }>; title: string; height?: number }) {
  const w = 320;
  const max = Math.max(1, ...items.map((i) => i.value));
  const bw = (w - 10) / Math.max(items.length, 1);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${w} ${height}`} role="img" aria-label={title}>
        {items.map((it, i) => {
          const h = (it.value / max) * (height - 34);
          return (
            <g key={it.label}>
              <rect x={5 + i * bw + bw * 0.15} y={height - 18 - h} width={bw * 0.7} height={h} rx="3" fill={it.color} />
              <text x={5 + i * bw + bw / 2} y={height - 22 - h} class="tick" text-anchor="middle">
                {it.value.toLocaleString('ko-KR')}
              </text>
              <text x={5 + i * bw + bw / 2} y={height - 4} class="tick" text-anchor="middle">
                {it.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <div class="legend">
      {series.map((s) => (
        <span key={s.name}>
          <i style={{ background: s.color }} />
          {s.name}
        </span>
      ))}
    </div>
  );
}
