// The hash-chained audit log: each event's hash covers its fields and the previous event's hash, so an
// edited, removed or reordered event breaks the chain at a seq that verifyAuditChain names.
//   hash = hex(sha256(canonical JSON of { v: 1, tenantId, seq, id, actor, action, objectType, objectId,
//                                          address, details, at, prevHash }))
// Canonical JSON: object keys sorted at every depth, no whitespace, JSON.stringify for scalars.
// With `key`, HMAC-SHA256 replaces sha256: then someone who can write the database but lacks the key
// cannot recompute a consistent chain after an edit (a plain chain only detects edits made without
// recomputing every later hash). Verify with the same key.
import { createHash, createHmac } from 'node:crypto';
import type { AuditEvent, AuditSealer, MetaStore, NewAuditEvent } from '../store/meta/types.js';

export interface AuditChainOptions {
  /** HMAC key of the chain; omit for the plain sha256 chain. */
  key?: Uint8Array;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** The hash of an event given the hash of the one before it (null for the first). */
export function auditHash(event: Omit<AuditEvent, 'prevHash' | 'hash'>, prevHash: string | null, options: AuditChainOptions = {}): string {
  const body = canonicalJson({
    v: 1,
    tenantId: event.tenantId,
    seq: event.seq,
    id: event.id,
    actor: event.actor,
    action: event.action,
    objectType: event.objectType,
    objectId: event.objectId,
    address: event.address,
    details: event.details,
    at: event.at,
    prevHash,
  });
  const h = options.key ? createHmac('sha256', options.key) : createHash('sha256');
  return h.update(body, 'utf8').digest('hex');
}

/** The sealer for AuditRepository.append: chains the new event to the previous one. */
export function auditSealer(options: AuditChainOptions = {}): AuditSealer {
  return (prev, next) => {
    const prevHash = prev?.hash ?? null;
    return { prevHash, hash: auditHash(next, prevHash, options) };
  };
}

/** Appends an audit event, always sealed into the tenant's chain. */
export function recordAudit(meta: MetaStore, tenantId: string, event: NewAuditEvent, options: AuditChainOptions = {}): Promise<AuditEvent> {
  return meta.audit.append(tenantId, event, auditSealer(options));
}

export interface AuditVerification {
  ok: boolean;
  /** How many events were checked (all of the tenant's when ok). */
  events: number;
  /** The hash of the last event: publish or store it elsewhere to detect a rewritten or cut tail. */
  lastHash: string | null;
  firstBroken?: { seq: number; reason: string };
}

/** Recomputes the tenant's chain from the first event and names the first broken link. */
export async function verifyAuditChain(meta: MetaStore, tenantId: string, options: AuditChainOptions & { pageSize?: number } = {}): Promise<AuditVerification> {
  let prev: AuditEvent | null = null;
  let events = 0;
  const broken = (seq: number, reason: string): AuditVerification => ({ ok: false, events, lastHash: prev?.hash ?? null, firstBroken: { seq, reason } });
  for (;;) {
    const page = await meta.audit.list(tenantId, { afterSeq: prev?.seq ?? 0, limit: options.pageSize ?? 1000 });
    if (page.length === 0) break;
    for (const event of page) {
      const expectedSeq = (prev?.seq ?? 0) + 1;
      if (event.seq !== expectedSeq) return broken(expectedSeq, `event ${expectedSeq} is missing (the next one is ${event.seq})`);
      const expectedPrev = prev?.hash ?? null;
      if (event.prevHash !== expectedPrev) {
        return broken(event.seq, prev ? `its prevHash does not match the hash of event ${prev.seq}` : 'the first event has a prevHash');
      }
      if (event.hash === null) return broken(event.seq, 'the event is not sealed (no hash)');
      if (event.tenantId !== tenantId) return broken(event.seq, 'the event belongs to another tenant');
      if (auditHash(event, event.prevHash, options) !== event.hash) return broken(event.seq, 'its hash does not match its contents (the event was altered)');
      prev = event;
      events++;
    }
  }
  return { ok: true, events, lastHash: prev?.hash ?? null };
}
