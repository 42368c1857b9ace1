// The actor of a request (its key and address) for the use cases' audit events.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../service/index.js';
import { principalOf } from './auth.js';

/** Who makes the request's changes: its key (id and name) from the caller's address. */
export function actorOf(req: FastifyRequest): Actor {
  const p = principalOf(req);
  return { id: p.keyId, keyName: p.keyName, address: req.ip };
}
