// A deployment's health as the dashboard shows it: does its alias or pinned version resolve to a model version?
import type { Deployment, ModelDetail } from '../types';

export interface Serving {
  status: 'ready' | 'noVersion';
  version: number | null;
}

export function servingOf(d: Deployment, model: ModelDetail | undefined): Serving {
  if (!model) return { status: 'noVersion', version: null };
  if (d.targetVersion !== null && d.targetVersion !== undefined) return { status: 'ready', version: d.targetVersion };
  const a = model.aliases.find((x) => x.alias === d.targetAlias);
  const v = a && model.versions.find((x) => x.id === a.versionId);
  return v ? { status: 'ready', version: v.number } : { status: 'noVersion', version: null };
}
