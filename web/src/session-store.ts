// The signed-in key and what it may do, kept in sessionStorage only: closing the tab forgets the key.
export type Role = 'admin' | 'developer' | 'operator' | 'viewer';

export interface Session {
  key: string;
  role: Role;
  keyName: string | null;
  scopes: string[];
  /** Known when the server has GET /api/v1/me. */ keyId?: string;
}

const STORAGE = 'andon.session';
type Listener = (s: Session | null, reason: string | null) => void;
const listeners = new Set<Listener>();

let current: Session | null = read();

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return current;
}
export function getKey(): string | null {
  return current?.key ?? null;
}

export function setSession(s: Session | null, reason: string | null = null): void {
  current = s;
  if (s) sessionStorage.setItem(STORAGE, JSON.stringify(s));
  else sessionStorage.removeItem(STORAGE);
  for (const l of listeners) l(s, reason);
}

export function signOutBecause(reason: string): void {
  if (current) setSession(null, reason);
}

export function onSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
