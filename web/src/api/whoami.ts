// Who a key is: GET /api/v1/me when the server has it, otherwise the role is found by probing routes that need more and more.
import { ApiError, api } from './client';
import type { Role, Session } from '../session-store';

/** Marks probe requests, so their expected 4xx answers are recognisable in logs and tests. */
export const PROBE = 'probe=role';

interface Me {
  tenantId: string;
  keyId: string;
  keyName: string;
  role: Role;
  scopes: string[];
}

/**
 * The server checks the role before it validates the body, so an empty body answers 403 when the role lacks
 * the permission and 400 when it has it: nothing is created either way.
 */
async function allowed(path: string, method: string, key: string): Promise<boolean> {
  try {
    await api(`${path}?${PROBE}`, { method, body: {}, key });
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return false;
    if (e instanceof ApiError && (e.status === 400 || e.status === 404 || e.status === 409)) return true;
    throw e;
  }
}

export async function whoAmI(key: string): Promise<Session> {
  try {
    const me = await api<Me>('/api/v1/me', { key });
    return { key, role: me.role, keyName: me.keyName ?? null, scopes: me.scopes ?? [], keyId: me.keyId };
  } catch (e) {
    // 404: a server without /me; anything else (401) is the answer.
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  try {
    await api(`/api/v1/keys?${PROBE}`, { key });
    return { key, role: 'admin', keyName: null, scopes: [] };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
  }
  if (await allowed('/api/v1/jobs', 'POST', key)) return { key, role: 'developer', keyName: null, scopes: [] };
  if (await allowed('/api/v1/models/probe/aliases/probe', 'PUT', key)) return { key, role: 'operator', keyName: null, scopes: [] };
  return { key, role: 'viewer', keyName: null, scopes: [] };
}
