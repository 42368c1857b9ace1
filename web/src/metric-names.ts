// Which metrics a version's summary shows first, by task; the rest stay in the full table.
export const HEADLINE: Record<string, string[]> = {
  binary: ['accuracy', 'f1', 'precision', 'recall', 'roc_auc', 'pr_auc'],
  multiclass: ['accuracy', 'macro_f1', 'weighted_f1', 'log_loss'],
  text: ['accuracy', 'macro_f1', 'weighted_f1', 'log_loss'],
  regression: ['rmse', 'mae', 'r2', 'mape'],
  rul: ['rmse', 'rmse_last', 'mae', 'nasa_score'],
};

/** The scalar metrics of a metrics object (curves, matrices and notes are drawn, not listed). */
export function scalarMetrics(m: Record<string, unknown>): [string, number][] {
  return Object.entries(m).filter((e): e is [string, number] => typeof e[1] === 'number');
}

/** Metrics where a smaller value is better (errors and losses); the decision threshold is neither. */
const LOWER_IS_BETTER = new Set(['log_loss', 'mse', 'rmse', 'mae', 'mape', 'rmse_last', 'nasa_score', 'validation_loss']);
const NEUTRAL = new Set(['threshold']);

/** 'better' or 'worse' for a change of a metric, or '' when neither applies. */
export function direction(metric: string, delta: number | null): 'better' | 'worse' | '' {
  if (!delta || NEUTRAL.has(metric)) return '';
  return delta > 0 !== LOWER_IS_BETTER.has(metric) ? 'better' : 'worse';
}
