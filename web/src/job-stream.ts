// A training job's event stream folded into what the job page draws: per-epoch curves, the step loss, ETA and a log.
import { useEffect, useState } from 'preact/hooks';
import { followEvents } from './api/sse';
import { seg } from './api/client';
import type { MessageKey } from './i18n';

export interface Curves {
  epochs: number[];
  trainLoss: (number | null)[];
  validationLoss: (number | null)[];
  /** Validation metrics by name (selection score, accuracy, …), aligned with `epochs`. */
  metrics: Record<string, (number | null)[]>;
}

export interface JobStream {
  curves: Curves;
  totalEpochs: number | null;
  epoch: number;
  etaSeconds: number | null;
  status: string | null;
  error: string | null;
  /** Log lines as message keys, so they follow the language switch. */
  log: LogLine[];
  versionNumber: number | null;
  streamError: string | null;
}

const empty = (): JobStream => ({
  curves: { epochs: [], trainLoss: [], validationLoss: [], metrics: {} },
  totalEpochs: null,
  epoch: 0,
  etaSeconds: null,
  status: null,
  error: null,
  log: [],
  versionNumber: null,
  streamError: null,
});

export interface LogLine {
  seq: number;
  at: string;
  key: MessageKey;
  params: Record<string, string | number>;
}

interface Envelope {
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** One event into the state; pure, so replays after a reconnect give the same picture. */
export function fold(s: JobStream, e: Envelope): JobStream {
  const d = e.data ?? {};
  const log = (key: MessageKey, params: Record<string, string | number> = {}) => [...s.log, { seq: e.seq, at: e.at, key, params }].slice(-500);
  switch (e.type) {
    case 'start':
      return { ...s, totalEpochs: Number(d.epochs) || null, log: log('log.start', { epochs: Number(d.epochs), steps: Number(d.stepsPerEpoch) }) };
    case 'step':
      return { ...s, etaSeconds: typeof d.etaSeconds === 'number' ? d.etaSeconds : s.etaSeconds, epoch: Math.max(s.epoch, Number(d.epoch) - 1) };
    case 'epoch': {
      const c = s.curves;
      const m = (d.metrics ?? {}) as Record<string, number>;
      const n = c.epochs.length;
      const metrics: Record<string, (number | null)[]> = {};
      for (const k of new Set([...Object.keys(c.metrics), ...Object.keys(m)])) {
        metrics[k] = [...(c.metrics[k] ?? new Array(n).fill(null)), typeof m[k] === 'number' ? m[k] : null];
      }
      const curves = {
        epochs: [...c.epochs, Number(d.epoch)],
        trainLoss: [...c.trainLoss, typeof d.trainLoss === 'number' ? d.trainLoss : null],
        validationLoss: [...c.validationLoss, typeof d.validationLoss === 'number' ? d.validationLoss : null],
        metrics,
      };
      const line = log('log.epoch', { epoch: Number(d.epoch), train: fmt(d.trainLoss), validation: fmt(d.validationLoss), best: d.best ? 1 : 0 });
      return { ...s, curves, epoch: Number(d.epoch), etaSeconds: typeof d.etaSeconds === 'number' ? d.etaSeconds : s.etaSeconds, log: line };
    }
    case 'training_end':
      return { ...s, etaSeconds: 0, log: log('log.trainingEnd', { reason: String(d.reason), best: Number(d.bestEpoch) }) };
    case 'succeeded':
      return {
        ...s,
        status: 'succeeded',
        etaSeconds: 0,
        versionNumber: Number(d.version) || null,
        log: log('log.succeeded', { model: String(d.model), version: Number(d.version) }),
      };
    case 'failed':
    case 'cancelled':
      return {
        ...s,
        status: e.type,
        error: typeof d.message === 'string' ? d.message : s.error,
        log: e.type === 'failed' ? log('log.failed', { message: String(d.message ?? '') }) : log('log.cancelled'),
      };
    case 'started':
      return { ...s, status: 'running', log: log('log.started', { attempt: Number(d.attempt ?? 1) }) };
    case 'queued':
      return { ...s, status: s.status ?? 'queued', log: log('log.queued') };
    default:
      return { ...s, log: log('log.other', { type: e.type }) };
  }
}

const fmt = (x: unknown) => (typeof x === 'number' ? x.toFixed(4) : '—');

export function useJobStream(id: string): JobStream {
  const [state, setState] = useState<JobStream>(empty);
  useEffect(() => {
    setState(empty());
    const ac = new AbortController();
    followEvents(`/api/v1/jobs/${seg(id)}/events`, {
      signal: ac.signal,
      onMessage: (m) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(m.data);
        } catch {
          return;
        }
        if (m.event === 'end') {
          const end = parsed as { status: string; error: string | null };
          setState((s) => ({ ...s, status: end.status, error: end.error ?? s.error }));
        } else if (m.event === 'error') {
          setState((s) => ({ ...s, streamError: (parsed as { message?: string }).message ?? 'stream error' }));
        } else {
          setState((s) => fold(s, parsed as Envelope));
        }
      },
    }).catch((e: Error) => setState((s) => ({ ...s, streamError: e.message })));
    return () => ac.abort();
  }, [id]);
  return state;
}
