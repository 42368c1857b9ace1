// Request rate and mean latency of one deployment over time, from successive snapshots of the server's /metrics.
import { useMemo, useRef, useState } from 'preact/hooks';
import { deploymentTraffic, fetchMetrics, type DeploymentTraffic } from './api/prometheus';
import { useInterval } from './hooks';

const KEEP = 120;

export interface TrafficSeries {
  time: number[];
  rate: (number | null)[];
  latencyMs: (number | null)[];
  total: number;
  errors: number;
}

/** Rates need two snapshots; a counter that went down (a server restart) starts over instead of drawing a negative rate. */
export function toSeries(snaps: DeploymentTraffic[]): TrafficSeries {
  const time: number[] = [],
    rate: (number | null)[] = [],
    latencyMs: (number | null)[] = [];
  for (let i = 1; i < snaps.length; i++) {
    const a = snaps[i - 1],
      b = snaps[i];
    const dt = (b.at - a.at) / 1000;
    const dn = b.ok + b.errors - (a.ok + a.errors);
    const dc = b.latencyCount - a.latencyCount;
    time.push(b.at / 1000);
    rate.push(dt > 0 && dn >= 0 ? dn / dt : null);
    latencyMs.push(dc > 0 ? (1000 * (b.latencySum - a.latencySum)) / dc : null);
  }
  const last = snaps[snaps.length - 1];
  return { time, rate, latencyMs, total: last ? last.ok + last.errors : 0, errors: last?.errors ?? 0 };
}

export function useTraffic(deployment: string, everyMs = 3000): { series: TrafficSeries; refresh: () => void; error: string | null } {
  const snaps = useRef<DeploymentTraffic[]>([]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => {
    fetchMetrics()
      .then((s) => {
        snaps.current = [...snaps.current, deploymentTraffic(s, deployment)].slice(-KEEP);
        setError(null);
        setVersion((v) => v + 1);
      })
      .catch((e: Error) => setError(e.message));
  };
  useInterval(refresh, everyMs);
  const series = useMemo(() => toSeries(snaps.current), [version]);
  return { series, refresh, error };
}
