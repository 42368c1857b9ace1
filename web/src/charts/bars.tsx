// Bar charts in SVG (histograms, category counts, probabilities): small enough that a chart library would be overkill.
export interface Bar {
  label: string;
  value: number;
}

export interface BarsProps {
  title: string;
  bars: Bar[];
  /** Horizontal bars with labels at the left (categories); vertical without labels (histograms). */
  horizontal?: boolean;
  format?: (v: number) => string;
  color?: string;
  height?: number;
  testId?: string;
  /** Range of the value axis; default 0 … the largest bar. */
  max?: number;
}

export function Bars({ title, bars, horizontal, format = String, color = '#1f5fa8', height, testId, max }: BarsProps) {
  const top = max ?? Math.max(1e-12, ...bars.map((b) => b.value));
  if (horizontal) {
    return (
      <figure class="bars" data-testid={testId}>
        <figcaption>{title}</figcaption>
        <ul class="hbars">
          {bars.map((b) => (
            <li key={b.label}>
              <span class="hbar-label" title={b.label}>
                {b.label}
              </span>
              <span class="hbar-track">
                <span class="hbar-fill" style={{ width: `${Math.max(0, (100 * b.value) / top)}%`, background: color }} />
              </span>
              <span class="hbar-value">{format(b.value)}</span>
            </li>
          ))}
        </ul>
      </figure>
    );
  }
  const h = height ?? 80,
    w = 200,
    bw = w / Math.max(1, bars.length);
  return (
    <figure class="bars" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={title} class="vbars">
        {bars.map((b, i) => {
          const bh = (h * b.value) / top;
          return (
            <rect key={i} x={i * bw + 0.5} y={h - bh} width={Math.max(0.5, bw - 1)} height={bh} fill={color}>
              <title>{`${b.label}: ${format(b.value)}`}</title>
            </rect>
          );
        })}
      </svg>
      {bars.length > 0 && (
        <div class="vbars-axis">
          <span>{bars[0].label}</span>
          <span>{bars[bars.length - 1].label}</span>
        </div>
      )}
    </figure>
  );
}
