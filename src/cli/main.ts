#!/usr/bin/env node
// The `andon` command line: parses arguments and hands each command to its module.
import { Command, InvalidArgumentError, Option } from 'commander';
import { runDemo } from './demo.js';
import { collectType, formatProfile, profileFile } from './profile.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const program = new Command('andon')
  .description('Model-as-a-Service for manufacturing')
  .version('0.1.0');

program.command('demo')
  .description('train a machine-failure model on generated sensor data and report held-out quality')
  .option('--rows <n>', 'machines to generate', positiveInt, 5000)
  .option('--epochs <n>', 'training epochs', positiveInt, 15)
  .option('--seed <n>', 'random seed', (v) => { const n = Number(v); if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer'); return n; }, 0)
  .option('--json', 'print one JSON object with the result')
  .action((o: { rows: number; epochs: number; seed: number; json?: boolean }) => {
    const result = runDemo({ ...o, log: o.json ? () => {} : (l) => console.log(l) });
    if (o.json) console.log(JSON.stringify(result));
  });

program.command('profile')
  .description('infer the schema of a data file (CSV, TSV, JSON, JSONL) and profile its columns')
  .argument('<file>', 'the data file')
  .option('--target <column>', 'the column to predict: adds its label distribution and imbalance and leakage checks')
  .option('--type <column=type>', 'force a column\'s type, e.g. "Line=category" (repeatable)', collectType, {})
  .addOption(new Option('--format <format>', 'read the file as this format instead of by its extension').choices(['csv', 'json', 'jsonl']))
  .option('--json', 'print one JSON object with the schema, statistics and warnings')
  .action(async (file: string, o: { target?: string; type: ReturnType<typeof collectType>; format?: 'csv' | 'json' | 'jsonl'; json?: boolean }) => {
    const result = await profileFile(file, { target: o.target, types: o.type, format: o.format });
    console.log(o.json ? JSON.stringify(result) : formatProfile(result));
  });

program.parseAsync().catch((err: Error) => {
  console.error(`andon: ${err.message}`);
  process.exit(1);
});
