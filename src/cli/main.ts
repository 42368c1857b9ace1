#!/usr/bin/env node
// The `andon` command line: parses arguments and hands each command to its module.
import { Command, InvalidArgumentError, Option } from 'commander';
import { runDemo } from './demo.js';
import { readConfig } from './config.js';
import { startServer } from './serve.js';
import { collectType, formatProfile, profileFile } from './profile.js';
import { formatTrainResult, trainCommand } from './train.js';
import { evalCommand, formatEval, predictCommand } from './model-commands.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const program = new Command('andon')
  .description('Model-as-a-Service for manufacturing')
  .version('0.1.0');

program.command('serve')
  .description('run the HTTP server (PORT, default 8080; ANDON_HOME, default ./.andon); an empty home gets a tenant and an admin key')
  .option('--port <n>', 'port to listen on (0: any free port)', (v) => { const n = Number(v); if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number'); return n; })
  .option('--demo', 'on an empty home, also create the demo workspace: data, a trained model, a deployment')
  .action(async (o: { port?: number; demo?: boolean }) => {
    const server = await startServer(readConfig(process.env, o.port === undefined ? {} : { port: o.port }), { demo: o.demo });
    const stop = () => { server.close().then(() => process.exit(0), () => process.exit(1)); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program.command('demo')
  .description('train a machine-failure model on generated sensor data and report held-out quality')
  .option('--rows <n>', 'machines to generate', positiveInt, 5000)
  .option('--epochs <n>', 'maximum training epochs (early stopping may end sooner)', positiveInt, 60)
  .option('--seed <n>', 'random seed', (v) => { const n = Number(v); if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer'); return n; }, 0)
  .option('--json', 'print one JSON object with the result')
  .action(async (o: { rows: number; epochs: number; seed: number; json?: boolean }) => {
    const result = await runDemo({ ...o, log: o.json ? () => {} : (l) => console.log(l) });
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

const integer = (v: string) => { const n = Number(v); if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer'); return n; };
const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

program.command('train')
  .description('train a model on a data file and write its bundle (manifest, weights, ONNX)')
  .requiredOption('--data <file>', 'training data (CSV, TSV, JSON, JSONL)')
  .requiredOption('--target <column>', 'the column to predict (for rul, a missing column is computed from run-to-failure histories)')
  .addOption(new Option('--task <task>', 'what to learn').choices(['auto', 'classification', 'binary', 'multiclass', 'regression', 'text', 'rul']).default('auto'))
  .option('--template <name>', 'predictive-maintenance, quality-inspection, regression, text-sentiment or remaining-useful-life')
  .option('--epochs <n>', 'maximum epochs (early stopping may end sooner)', positiveInt)
  .option('--seed <n>', 'random seed: the same seed gives the same model', integer, 0)
  .option('--group-column <column>', 'rul: the machine or unit id')
  .option('--time-column <column>', 'rul: the cycle or time of each row')
  .option('--exclude <columns>', 'comma-separated columns to leave out (e.g. ones that leak the label)', list)
  .option('--type <column=type>', 'force a column\'s type (repeatable)', collectType, {})
  .addOption(new Option('--text-model <model>', 'text: a fast embedding bag or a small transformer').choices(['bag', 'transformer']))
  .option('--out <dir>', 'where to write the model bundle (must not exist)')
  .option('--json', 'print one JSON object with the metrics and where the bundle is')
  .action(async (o) => {
    const result = await trainCommand(o);
    console.log(o.json ? JSON.stringify(result) : formatTrainResult(result));
  });

program.command('eval')
  .description('score a model bundle on a labelled data file')
  .argument('<model>', 'a model bundle directory')
  .requiredOption('--data <file>', 'labelled data; for rul, with the true remaining life of each row')
  .option('--positive-label <label>', 'binary: the class that precision, recall and F1 are about')
  .option('--json', 'print one JSON object: {"metrics": {...}}')
  .action(async (model: string, o: { data: string; positiveLabel?: string; json?: boolean }) => {
    const result = await evalCommand(model, o);
    console.log(o.json ? JSON.stringify(result) : formatEval(result));
  });

program.command('predict')
  .description('predict every row of a file with a model bundle')
  .argument('<model>', 'a model bundle directory')
  .requiredOption('--input <file>', 'rows to predict')
  .option('--output <file>', 'write predictions to a .csv, .json or .jsonl file instead of JSON lines on stdout')
  .action(async (model: string, o: { input: string; output?: string }) => {
    const out = await predictCommand(model, o);
    if (out !== null) console.log(out);
  });

program.parseAsync().catch((err: Error) => {
  console.error(`andon: ${err.message}`);
  process.exit(1);
});
