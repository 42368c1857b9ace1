// Server-sent events read with fetch + a stream reader: EventSource cannot send the Authorization header the API needs.
import { authHeaders } from './client';

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export interface SseOptions {
  onMessage: (m: SseMessage) => void;
  signal: AbortSignal;
  /** Resume after this event id (the server also honours Last-Event-ID). */
  lastId?: string | null;
}

/** Splits a text stream into SSE messages per the WHATWG rules (fields, comments, blank-line dispatch). */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;
  constructor(private readonly emit: (m: SseMessage) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const sep = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + sep);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length) this.emit({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return; // a comment: the server's keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }
}

/**
 * Follows a stream until the server sends `end` or the signal aborts; a dropped connection is resumed
 * from the last id after a short pause, so a proxy's idle timeout does not freeze the charts.
 */
export async function followEvents(url: string, opts: SseOptions): Promise<void> {
  let lastId = opts.lastId ?? null;
  let ended = false;
  while (!ended && !opts.signal.aborted) {
    try {
      const headers: Record<string, string> = { ...authHeaders(), accept: 'text/event-stream' };
      if (lastId) headers['last-event-id'] = lastId;
      const res = await fetch(url, { headers, signal: opts.signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const parser = new SseParser((m) => {
        if (m.id) lastId = m.id;
        if (m.event === 'end') ended = true;
        opts.onMessage(m);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch (e) {
      if (opts.signal.aborted) return;
      if (e instanceof Error && /HTTP 4\d\d/.test(e.message)) throw e; // not found or forbidden: retrying will not help
    }
    if (!ended && !opts.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
  }
}
