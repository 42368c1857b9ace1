// What each role may do, mirrored from the server's table (src/security/roles.ts) to decide which controls to show.
// The server still checks every request; this only hides what would be refused.
import type { Role } from './session-store';

export type Permission = 'datasets:write' | 'jobs:write' | 'models:promote' | 'deployments:write' | 'predict' | 'keys:manage' | 'audit:read';

const TABLE: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>(['datasets:write', 'jobs:write', 'models:promote', 'deployments:write', 'predict', 'keys:manage', 'audit:read']),
  developer: new Set<Permission>(['datasets:write', 'jobs:write', 'models:promote', 'deployments:write', 'predict']),
  operator: new Set<Permission>(['models:promote', 'deployments:write', 'predict']),
  viewer: new Set<Permission>(),
};

export function roleCan(role: Role | undefined, p: Permission): boolean {
  return !!role && TABLE[role].has(p);
}
