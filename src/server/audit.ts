// Audit events from the edge: who (the key), what, which object, from where. Appending never fails a request that already succeeded.
import type { FastifyRequest } from 'fastify';
import type { JsonObject, NewAuditEvent } from '../store/index.js';
import type { ServiceContext } from '../service/index.js';
import { recordAudit as appendSealed } from '../security/audit.js';
import { scrubDeep } from './log-scrub.js';

/** Appends to the tenant's hash chain, with personal data in the free-text details masked. */
export async function recordAudit(ctx: ServiceContext, tenantId: string, event: NewAuditEvent): Promise<void> {
  await appendSealed(ctx.meta, tenantId, { ...event, ...(event.details ? { details: scrubDeep(event.details) as JsonObject } : {}) });
}

/** Records a change made by the request's key. */
export async function audit(ctx: ServiceContext, req: FastifyRequest, action: string, objectType: string, objectId: string | null, details: JsonObject = {}): Promise<void> {
  const p = req.principal;
  if (!p) return;
  await recordAudit(ctx, p.tenantId, { actor: p.keyId, action, objectType, objectId, address: req.ip, details: { ...details, key: p.keyName } });
}
