// Audit events from the use cases: who (a key, the local CLI or the system), what, which object, from where; details scrubbed of secrets and personal data.
import type { AuditEvent, JsonObject, NewAuditEvent } from '../store/index.js';
import { recordAudit as appendToChain } from '../security/audit.js';
import { scrubDeep } from '../security/scrub.js';
import type { ServiceContext } from './context.js';

/** Who makes a change: an API key (by id and name, from an address), or a named process (the local CLI, the system). */
export interface Actor {
  /** The key id, or a process name such as `local-cli` or `system`. */
  id: string;
  /** The key's name, recorded in the details so a reader need not look the id up. */
  keyName?: string;
  /** The caller's network address, for a request. */
  address?: string | null;
}

/** The actor of changes no caller asked for (bootstrap, recovery) and of use cases called without one (tests, scripts). */
export const SYSTEM: Actor = { id: 'system' };

/** Appends to the tenant's hash chain, with personal data and secrets in the free-text details masked. */
export async function recordAudit(ctx: ServiceContext, tenantId: string, event: NewAuditEvent): Promise<void> {
  await appendToChain(ctx.meta, tenantId, { ...event, ...(event.details ? { details: scrubDeep(event.details) as JsonObject } : {}) });
}

/** Records a change made by `actor`. */
export function audit(
  ctx: ServiceContext,
  tenantId: string,
  actor: Actor,
  action: string,
  objectType: string,
  objectId: string | null,
  details: JsonObject = {},
): Promise<void> {
  return recordAudit(ctx, tenantId, {
    actor: actor.id,
    action,
    objectType,
    objectId,
    ...(actor.address ? { address: actor.address } : {}),
    details: actor.keyName !== undefined ? { ...details, key: actor.keyName } : details,
  });
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  since?: string;
  until?: string;
  afterSeq?: number;
  limit?: number;
}

/** Audit events, oldest first: the store filters by object and action; actor and time are filtered here, page by page, until the limit is full. */
export async function listAudit(ctx: ServiceContext, tenantId: string, q: AuditQuery = {}): Promise<AuditEvent[]> {
  const limit = q.limit ?? 100;
  const since = q.since ? Date.parse(q.since) : -Infinity,
    until = q.until ? Date.parse(q.until) : Infinity;
  const keep = (e: AuditEvent) => (!q.actor || e.actor === q.actor) && Date.parse(e.at) >= since && Date.parse(e.at) < until;
  const items: AuditEvent[] = [];
  let after = q.afterSeq ?? 0;
  for (;;) {
    const batch = await ctx.meta.audit.list(tenantId, {
      afterSeq: after,
      limit: 1000,
      ...(q.objectType ? { objectType: q.objectType } : {}),
      ...(q.objectId ? { objectId: q.objectId } : {}),
      ...(q.action ? { action: q.action } : {}),
    });
    for (const e of batch) if (keep(e) && items.length < limit) items.push(e);
    if (batch.length < 1000 || items.length >= limit) break;
    after = batch[batch.length - 1].seq;
  }
  return items;
}
