// A parser for the Prometheus text format (the public /metrics page), enough for counters and histograms.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** The sum of every sample of a metric whose labels include `match`. */
export function total(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let s = 0;
  for (const x of samples) {
    if (x.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => x.labels[k] === v)) s += x.value;
  }
  return s;
}

/** One deployment's traffic counters at one moment; rates come from the difference of two snapshots. */
export interface DeploymentTraffic {
  at: number;
  ok: number;
  errors: number;
  latencySum: number;
  latencyCount: number;
}

export function deploymentTraffic(samples: Sample[], deployment: string, at = Date.now()): DeploymentTraffic {
  return {
    at,
    ok: total(samples, 'andon_predict_duration_seconds_count', { deployment, outcome: 'ok' }),
    errors: total(samples, 'andon_predict_duration_seconds_count', { deployment, outcome: 'error' }),
    // The latency of answers; a failure's time says little about the model.
    latencySum: total(samples, 'andon_predict_duration_seconds_sum', { deployment, outcome: 'ok' }),
    latencyCount: total(samples, 'andon_predict_duration_seconds_count', { deployment, outcome: 'ok' }),
  };
}

export async function fetchMetrics(signal?: AbortSignal): Promise<Sample[]> {
  const res = await fetch('/metrics', { signal });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return parsePrometheus(await res.text());
}
