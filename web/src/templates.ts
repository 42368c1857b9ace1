// The training templates the server knows (src/ml/templates.ts), with the message keys of their plain-language descriptions.
import type { MessageKey } from './i18n';

export interface TemplateInfo {
  name: string;
  title: MessageKey;
  description: MessageKey;
  rul?: boolean;
}

export const TEMPLATES: TemplateInfo[] = [
  { name: 'predictive-maintenance', title: 'template.predictive-maintenance.title', description: 'template.predictive-maintenance.description' },
  { name: 'quality-inspection', title: 'template.quality-inspection.title', description: 'template.quality-inspection.description' },
  { name: 'regression', title: 'template.regression.title', description: 'template.regression.description' },
  { name: 'text-sentiment', title: 'template.text-sentiment.title', description: 'template.text-sentiment.description' },
  { name: 'remaining-useful-life', title: 'template.remaining-useful-life.title', description: 'template.remaining-useful-life.description', rul: true },
];
