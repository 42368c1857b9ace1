// A dataset version's profile as pictures: column types, missing values, histograms, label distribution, personal data, warnings.
import { useState } from 'preact/hooks';
import { Bars } from '../charts/bars';
import { useI18n } from '../i18n';
import type { ColumnProfile, DatasetVersion } from '../types';
import { warningText } from '../warning-text';

const TYPE_COLORS: Record<string, string> = {
  number: '#1f5fa8',
  integer: '#2c7fb8',
  boolean: '#7b3294',
  category: '#d95f02',
  text: '#1b9e77',
  datetime: '#666600',
  identifier: '#6b6b6b',
  constant: '#a50f15',
};

function histogramBars(c: ColumnProfile, num: (x: number, d?: number) => string) {
  const h = c.numeric!.histogram;
  return h.counts.map((count, i) => ({ label: `${num(h.edges[i], 2)} – ${num(h.edges[i + 1], 2)}`, value: count }));
}

export function ProfileView({ version }: { version: DatasetVersion }) {
  const i18n = useI18n();
  const { t, num, maybe } = i18n;
  const p = version.profile;
  const typeCounts = new Map<string, number>();
  for (const c of p.columns) typeCounts.set(c.type, (typeCounts.get(c.type) ?? 0) + 1);
  const candidates = p.columns.filter((c) => c.top && c.top.length > 0 && c.distinct <= 50);
  // With no target chosen yet, guess the label: the first yes/no column (failure flags), else the first category.
  const guess = candidates.find((c) => c.type === 'boolean' && c.distinct >= 2) ?? candidates.find((c) => c.type === 'category') ?? candidates[0];
  const [label, setLabel] = useState<string>(p.target?.name ?? guess?.name ?? '');
  const labelCol = p.columns.find((c) => c.name === label);
  const distribution =
    p.target?.name === label && p.target.distribution
      ? p.target.distribution.map((d) => ({ label: d.label, value: d.count }))
      : (labelCol?.top ?? []).map((x) => ({ label: x.value, value: x.count }));
  const typeName = (type: string) => maybe(`type.${type}`, type);
  const warnName = (code: string) => maybe(`warning.${code}`, code);
  const pii = version.maskingReport;

  return (
    <div class="profile" data-testid="profile">
      <div class="grid three">
        <Bars
          title={t('profile.columnTypes')}
          horizontal
          bars={[...typeCounts].map(([k, v]) => ({ label: typeName(k), value: v }))}
          format={(v) => num(v, 0)}
          testId="column-types"
        />
        <Bars
          title={t('profile.missing')}
          horizontal
          max={1}
          color="#a50f15"
          bars={p.columns.map((c) => ({ label: c.name, value: p.rows ? c.missing / p.rows : 0 }))}
          format={(v) => `${num(v * 100, 1)}%`}
          testId="missing-values"
        />
        <div>
          <label for="label-column">{t('profile.labelColumn')}</label>
          <select id="label-column" value={label} onChange={(e) => setLabel((e.target as HTMLSelectElement).value)}>
            {candidates.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
          {distribution.length > 0 ? (
            <Bars
              title={t('profile.labelDistribution', { column: label })}
              horizontal
              bars={distribution}
              format={(v) => `${num(v, 0)} (${num((100 * v) / Math.max(1, p.rows), 1)}%)`}
              color="#d95f02"
              testId="label-distribution"
            />
          ) : (
            <p class="muted">{t('profile.noLabels')}</p>
          )}
        </div>
      </div>

      <h3>{t('profile.warnings')}</h3>
      {p.warnings.length === 0 ? (
        <p class="muted">{t('profile.noWarnings')}</p>
      ) : (
        <ul class="warnings" data-testid="warnings">
          {p.warnings.map((w, i) => (
            <li key={i} class={`warning warning-${w.code}`}>
              <strong>{warnName(w.code)}</strong> · <code>{w.column}</code> — {warningText(w, p, i18n)}
            </li>
          ))}
        </ul>
      )}

      <h3>{t('profile.personalData')}</h3>
      {!pii ? (
        <p class="muted">{version.source.masked ? t('profile.piiNone') : t('profile.piiNotChecked')}</p>
      ) : Object.keys(pii.found).length === 0 ? (
        <p class="muted">{t('profile.piiNone')}</p>
      ) : (
        <div>
          <Bars
            title={t('profile.piiFound')}
            horizontal
            bars={Object.entries(pii.found).map(([k, v]) => ({ label: maybe(`pii.${k}`, k), value: v ?? 0 }))}
            format={(v) => num(v, 0)}
            color="#7b3294"
            testId="pii"
          />
          <p class="small">{t('profile.piiMasked', { cells: num(pii.maskedCells, 0), columns: pii.columns.map((c) => c.column).join(', ') })}</p>
        </div>
      )}

      <h3>{t('profile.columns')}</h3>
      <div class="columns-grid">
        {p.columns.map((c) => (
          <article class="column-card" key={c.name}>
            <h4 title={c.name}>{c.name}</h4>
            <p>
              <span class="badge" title={c.reason} style={{ background: TYPE_COLORS[c.type] ?? '#444', color: '#fff' }}>
                {typeName(c.type)}
              </span>
              <span class="small muted">
                {' '}
                {t('profile.distinct', { n: num(c.distinct, 0) })} · {t('profile.missingN', { n: num(c.missing, 0) })}
              </span>
            </p>
            {c.numeric && !(c.top && c.distinct <= 10) ? (
              <>
                <Bars title={t('profile.histogram')} bars={histogramBars(c, num)} format={(v) => num(v, 0)} height={50} />
                <p class="small muted">{t('profile.range', { min: num(c.numeric.min), mean: num(c.numeric.mean), max: num(c.numeric.max) })}</p>
              </>
            ) : c.top ? (
              <Bars
                title={t('profile.topValues')}
                horizontal
                bars={c.top.slice(0, 5).map((x) => ({ label: x.value, value: x.count }))}
                format={(v) => num(v, 0)}
                color="#d95f02"
              />
            ) : c.text ? (
              <p class="small">{t('profile.textLength', { min: num(c.text.chars.min, 0), mean: num(c.text.chars.mean, 0), max: num(c.text.chars.max, 0) })}</p>
            ) : null}
          </article>
        ))}
      </div>
    </div>
  );
}
