// Small shared pieces: error and loading notes, status badges, a page heading, key–value lists.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { takeNavigationFocus } from '../router';

export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const e = error as Error;
  const code = e instanceof ApiError ? e.code : null;
  const known = code === 'forbidden' ? t('error.forbidden') : code === 'not_found' ? t('error.notFound') : null;
  return (
    <div class="note error" role="alert">
      <strong>{t('error.title')}</strong> {known ?? e.message}
      {known && <div class="muted small">{e.message}</div>}
    </div>
  );
}

export function Loading({ when }: { when: boolean }) {
  const { t } = useI18n();
  return when ? (
    <p class="muted" aria-live="polite">
      {t('common.loading')}
    </p>
  ) : null;
}

const STATUS_KEYS: Record<string, MessageKey> = {
  queued: 'status.queued',
  running: 'status.running',
  succeeded: 'status.succeeded',
  failed: 'status.failed',
  cancelled: 'status.cancelled',
  ready: 'status.ready',
  noVersion: 'status.noVersion',
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = STATUS_KEYS[status];
  return (
    <span class={`badge status-${status}`} data-status={status}>
      {key ? t(key) : status}
    </span>
  );
}

/** The page's h1, focused after in-app navigation so keyboard and screen-reader users land on the new page. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeNavigationFocus()) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Empty({ text }: { text: string }) {
  return <p class="muted empty">{text}</p>;
}

export function formatBytes(n: number, num: (x: number, d?: number) => string): string {
  if (n < 1024) return `${num(n, 0)} B`;
  if (n < 2 ** 20) return `${num(n / 1024, 1)} KiB`;
  return `${num(n / 2 ** 20, 1)} MiB`;
}

export function formatDuration(seconds: number, t: ReturnType<typeof useI18n>['t']): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('time.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('time.minutes', { m, s: s % 60 });
  return t('time.hours', { h: Math.floor(m / 60), m: m % 60 });
}
