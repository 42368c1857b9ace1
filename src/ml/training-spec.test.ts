// The training spec: one validator for the route, the service, the worker and the CLI, one clear error per wrong field, and the JSON schema written from the same fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AndonError } from '../errors.js';
import { checkTrainingSpec, fitOptionsOf, MAX_EPOCHS, TASKS, TRAINING_SPEC_SCHEMA } from './training-spec.js';

/** The one error checkTrainingSpec throws for `input`: code, message and the field it names. */
function refusal(input: unknown, options?: Parameters<typeof checkTrainingSpec>[1]): { message: string; field: unknown } {
  try {
    checkTrainingSpec(input, options);
  } catch (e) {
    assert.ok(e instanceof AndonError, String(e));
    assert.equal(e.code, 'invalid_input', e.message);
    return { message: e.message, field: e.details.field };
  }
  assert.fail(`accepted ${JSON.stringify(input)}`);
}

test('a valid spec comes back with only its training fields, in their types', () => {
  const stored = {
    dataset: 'machines',
    datasetVersion: 2,
    modelName: 'pm',
    actor: 'key_1',
    target: 'machine_failure',
    task: 'binary',
    template: 'predictive-maintenance',
    seed: 3,
    epochs: 40,
    members: 2,
    exclude: ['serial'],
    types: { line: 'category' },
    textModel: 'bag',
  };
  assert.deepEqual(checkTrainingSpec(stored), {
    target: 'machine_failure',
    task: 'binary',
    template: 'predictive-maintenance',
    seed: 3,
    epochs: 40,
    members: 2,
    exclude: ['serial'],
    types: { line: 'category' },
    textModel: 'bag',
  });
  assert.deepEqual(checkTrainingSpec({ target: 'rul', task: 'rul', groupColumn: 'unit', timeColumn: 'cycle' }), {
    target: 'rul',
    task: 'rul',
    groupColumn: 'unit',
    timeColumn: 'cycle',
  });
  // The fit options: epochs become the training override; everything else is passed as it is.
  assert.deepEqual(fitOptionsOf({ target: 'y', epochs: 5, seed: 1 }), { target: 'y', seed: 1, training: { epochs: 5 } });
  assert.deepEqual(fitOptionsOf({ target: 'y' }), { target: 'y' });
});

test('an unknown task is one error listing the tasks', () => {
  const r = refusal({ target: 'y', task: 'forecast' });
  assert.equal(r.field, 'task');
  assert.equal(r.message, `task must be one of ${TASKS.join(', ')}, got "forecast"`);
});

test('epochs and members out of range are one error each, with the range', () => {
  for (const epochs of [0, -1, MAX_EPOCHS + 1, 2.5]) {
    assert.deepEqual(refusal({ target: 'y', epochs }), { field: 'epochs', message: `epochs must be an integer from 1 to ${MAX_EPOCHS}, got ${epochs}` });
  }
  for (const members of [0, 17]) {
    assert.deepEqual(refusal({ target: 'y', members }), { field: 'members', message: `members must be an integer from 1 to 16, got ${members}` });
  }
});

test('wrong types are one error each, naming the field and what it takes', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ target: 5 }, 'target', /^target must be a column name .*, got 5$/],
    [{ target: '' }, 'target', /^target must be a column name/],
    [{ target: 'y', epochs: '5' }, 'epochs', /^epochs must be an integer from 1 to 10000, got "5"$/],
    [{ target: 'y', seed: 1.5 }, 'seed', /^seed must be an integer, got 1.5$/],
    [{ target: 'y', exclude: 'serial' }, 'exclude', /^exclude must be a list of at most 1000 column names, got "serial"$/],
    [{ target: 'y', exclude: ['a', 7] }, 'exclude', /^exclude must be a list/],
    [
      { target: 'y', types: { line: 'colour' } },
      'types',
      /^types must be an object of at most 1000 columns, each to one of number, integer, .*, got \{"line":"colour"\}$/,
    ],
    [{ target: 'y', types: ['line'] }, 'types', /^types must be an object/],
    [{ target: 'y', textModel: 'lstm' }, 'textModel', /^textModel must be one of bag, transformer, got "lstm"$/],
    [{ target: 'y', groupColumn: null, timeColumn: 't' }, 'groupColumn', /^groupColumn must be a column name/],
    [{ target: 'y', template: 7 }, 'template', /^template must be one of predictive-maintenance, /],
  ];
  for (const [input, field, message] of cases) {
    const r = refusal(input);
    if (field) assert.equal(r.field, field, JSON.stringify(input));
    assert.match(r.message, message);
  }
  assert.match(refusal({ target: 'y', template: 'magic' }).message, /^unknown template "magic"/);
  assert.match(refusal({ task: 'binary' }).message, /^target is required/);
  assert.match(refusal('machine_failure').message, /^a training spec is an object/);
});

test('rules across fields: group and time columns go together, and rul needs them', () => {
  assert.equal(refusal({ target: 'y', groupColumn: 'unit' }).message, 'groupColumn and timeColumn go together');
  assert.equal(refusal({ target: 'y', timeColumn: 'cycle' }).message, 'groupColumn and timeColumn go together');
  assert.equal(refusal({ target: 'rul', task: 'rul' }).message, 'the rul task needs groupColumn and timeColumn');
});

test('a caller names the fields as its users know them', () => {
  const label = (f: string) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  assert.equal(refusal({ target: 'y', epochs: 0 }, { label }).message, '--epochs must be an integer from 1 to 10000, got 0');
  assert.equal(refusal({ target: 'y', groupColumn: 'unit' }, { label }).message, '--group-column and --time-column go together');
});

test("the JSON schema is written from the same fields: its enums and ranges are the validator's", () => {
  const p = TRAINING_SPEC_SCHEMA.properties;
  assert.deepEqual(TRAINING_SPEC_SCHEMA.required, ['target']);
  assert.deepEqual(Object.keys(p).sort(), [
    'epochs',
    'exclude',
    'groupColumn',
    'members',
    'seed',
    'target',
    'task',
    'template',
    'textModel',
    'timeColumn',
    'types',
  ]);
  assert.deepEqual(p.task.enum, [...TASKS]);
  // Every enum value the schema offers passes the validator, and the bounds it states are the validator's bounds.
  for (const task of p.task.enum as string[]) checkTrainingSpec({ target: 'y', task, ...(task === 'rul' ? { groupColumn: 'u', timeColumn: 't' } : {}) });
  for (const template of p.template.enum as string[]) checkTrainingSpec({ target: 'y', template });
  for (const [field, range] of [
    ['epochs', p.epochs],
    ['members', p.members],
  ] as const) {
    checkTrainingSpec({ target: 'y', [field]: range.minimum });
    checkTrainingSpec({ target: 'y', [field]: range.maximum });
    refusal({ target: 'y', [field]: (range.maximum as number) + 1 });
  }
});
