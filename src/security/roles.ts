// Roles and what each may do: one table, checked at the HTTP edge before a use case runs.
import type { Role } from '../store/index.js';

export type Permission =
  | 'datasets:read'
  | 'datasets:write'
  | 'jobs:read'
  | 'jobs:write'
  | 'models:read'
  | 'models:write'
  | 'models:promote'
  | 'deployments:read'
  | 'deployments:write'
  | 'predict'
  | 'batch:read'
  | 'batch:write'
  | 'keys:manage'
  | 'audit:read'
  | 'me:read';

const READ: Permission[] = ['me:read', 'datasets:read', 'jobs:read', 'models:read', 'deployments:read', 'batch:read'];

export const PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>([
    ...READ,
    'datasets:write',
    'jobs:write',
    'models:write',
    'models:promote',
    'deployments:write',
    'predict',
    'batch:write',
    'keys:manage',
    'audit:read',
  ]),
  developer: new Set<Permission>([...READ, 'datasets:write', 'jobs:write', 'models:write', 'models:promote', 'deployments:write', 'predict', 'batch:write']),
  operator: new Set<Permission>([...READ, 'models:promote', 'deployments:write', 'predict', 'batch:write']),
  // Read only: a viewer sees everything of its tenant but changes nothing and runs no model.
  viewer: new Set<Permission>(READ),
};

export function can(role: Role, permission: Permission): boolean {
  return PERMISSIONS[role]?.has(permission) ?? false;
}
