// A line chart on uPlot: x plus one or more y series; data changes are applied in place so live curves do not flicker.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { LOCALES, useI18n } from '../i18n';

export interface Series {
  label: string;
  color: string;
  dash?: number[];
  points?: boolean;
}

export interface LineChartProps {
  /** Accessible name of the chart (also its heading for screen readers). */
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** [x, y1, y2, …], each the same length; null leaves a gap. */
  data: (number | null)[][];
  height?: number;
  /** The x axis is a time in seconds since the epoch. */
  time?: boolean;
  xRange?: [number, number];
  yRange?: [number, number];
  testId?: string;
}

export function LineChart(p: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const points = p.data[0]?.length ?? 0;
  const { lang } = useI18n();

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: p.height ?? 240,
      scales: {
        x: { time: !!p.time },
        y: p.yRange ? { range: p.yRange } : {},
      },
      axes: [
        {
          label: p.xLabel,
          stroke: '#333',
          grid: { stroke: '#e3e3e3' },
          // uPlot's own time labels are English; the reader's locale formats them instead.
          ...(p.time
            ? {
                space: 90,
                values: (_u: uPlot, splits: number[]) =>
                  splits.map((v) =>
                    new Date(v * 1000).toLocaleTimeString(LOCALES[lang], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }),
                  ),
              }
            : {}),
        },
        { label: p.yLabel, stroke: '#333', grid: { stroke: '#e3e3e3' }, size: 60 },
      ],
      series: [{ label: p.xLabel }, ...p.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, points: { show: s.points ?? false } }))],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
    };
    plot.current = new uPlot(opts, p.data as uPlot.AlignedData, el);
    if (p.xRange) plot.current.setScale('x', { min: p.xRange[0], max: p.xRange[1] });
    // Follows the container's width: tablets rotate, side panels collapse.
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: p.height ?? 240 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Series labels change with the language: rebuild then; data alone is set below.
  }, [p.series.map((s) => s.label).join('|'), p.xLabel, p.yLabel, lang]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(p.data as uPlot.AlignedData, !p.xRange);
    if (p.xRange) u.setScale('x', { min: p.xRange[0], max: p.xRange[1] });
  }, [p.data, p.xRange?.[0], p.xRange?.[1]]);

  return (
    <figure class="chart" data-testid={p.testId} data-points={points}>
      <figcaption>{p.title}</figcaption>
      <div ref={box} role="img" aria-label={p.title} />
    </figure>
  );
}
