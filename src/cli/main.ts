#!/usr/bin/env node
// The `andon` command line: parses arguments and hands each command to its module.
import { Command, InvalidArgumentError, Option } from 'commander';
import { runDemo } from './demo.js';
import { readConfig } from './config.js';
import { startServer, startWorker } from './serve.js';
import { collectType, formatProfile, profileFile } from './profile.js';
import { printTrainResult, trainCommand, trainSpecOf } from './train.js';
import { TASKS, TEXT_MODELS } from '../ml/training-spec.js';
import { TEMPLATES } from '../ml/templates.js';
import { evalCommand, formatEval, predictCommand, type BundleLoader } from './model-commands.js';
import { AndonError } from '../errors.js';
import { readBundle } from '../ml/bundle.js';
import { JOB_STATUSES, ROLES, type JobStatus } from '../store/index.js';
import { openBackend, remoteUrlOf, type Backend } from './backend.js';
import {
  checkFile,
  checkRole,
  datasetsAdd,
  formatAudit,
  formatDataset,
  formatDatasetAdd,
  formatDatasets,
  formatDeployment,
  formatDeployments,
  formatJob,
  formatJobs,
  formatKeys,
  formatModel,
  formatModels,
  formatTrainJob,
  formatVersion,
  isBundlePath,
  loadRegistryBundle,
  modelsExport,
  modelsList,
  modelsPromote,
  parseDatasetRef,
  parseModelRef,
  resolveVersion,
  trainFromDataset,
} from './commands.js';
import { auditVerify, formatAuditVerify, refuseRemote, rotateMaster } from './admin.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const program = new Command('andon')
  .description('Model-as-a-Service for manufacturing')
  .version('0.1.0')
  // Program options (--version) only before the command, so `models promote --version 2` is the command's own.
  .enablePositionalOptions();

program
  .command('serve')
  .description('run the HTTP server (PORT, default 8080; ANDON_HOME, default ./.andon); an empty home gets a tenant and an admin key')
  .option('--port <n>', 'port to listen on (0: any free port)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
    return n;
  })
  .option('--demo', 'on an empty home, also create the demo workspace: data, a trained model, a deployment')
  .option('--no-jobs', 'do not run training and batch jobs in this process (an `andon worker` runs them)')
  .action(async (o: { port?: number; demo?: boolean; jobs: boolean }) => {
    const server = await startServer(readConfig(process.env, o.port === undefined ? {} : { port: o.port }), { demo: o.demo, runJobs: o.jobs });
    const stop = () => {
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('worker')
  .description('run training and batch jobs for a home whose server was started with --no-jobs (one worker per embedded home)')
  .action(async () => {
    const worker = await startWorker(readConfig(process.env));
    const stop = () => {
      worker.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('demo')
  .description('train a machine-failure model on generated sensor data and report held-out quality')
  .option('--rows <n>', 'machines to generate', positiveInt, 5000)
  .option('--epochs <n>', 'maximum training epochs (early stopping may end sooner)', positiveInt, 60)
  .option(
    '--seed <n>',
    'random seed',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
      return n;
    },
    0,
  )
  .option('--json', 'print one JSON object with the result')
  .action(async (o: { rows: number; epochs: number; seed: number; json?: boolean }) => {
    const result = await runDemo({ ...o, log: o.json ? () => {} : (l) => console.log(l) });
    if (o.json) console.log(JSON.stringify(result));
  });

program
  .command('profile')
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

const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};
const list = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
/** A number when the text is one, else the text itself, for a validator that names the flag, its range and what it got. */
const numberArg = (v: string): number | string => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

const urlOption = () =>
  new Option('--url <url>', 'work against this Andon server (default ANDON_URL; the key from ANDON_API_KEY) instead of the local home (ANDON_HOME)');

/** Opens the local home or the server, runs the command, and closes what it opened. */
async function withBackend<T>(o: { url?: string }, f: (b: Backend) => Promise<T>, options: { consume?: boolean } = {}): Promise<T> {
  const b = await openBackend(readConfig(process.env), { url: o.url, consume: options.consume });
  try {
    return await f(b);
  } finally {
    await b.close();
  }
}

/** Exactly one JSON object with --json, else the text for people. */
function print<T>(json: boolean | undefined, result: T, text: (r: T) => string): void {
  console.log(json ? JSON.stringify(result) : text(result));
}

program
  .command('train')
  .description('train a model: on a data file (writes a bundle directory) or, with --dataset, as a job in the registry (local home or server)')
  .option('--data <file>', 'training data (CSV, TSV, JSON, JSONL): train here and write a bundle')
  .option('--dataset <name[@version]>', 'a registered dataset (default its latest version): train as a job and register the model version')
  .requiredOption('--target <column>', 'the column to predict (for rul, a missing column is computed from run-to-failure histories)')
  .addOption(new Option('--task <task>', 'what to learn').choices([...TASKS]).default('auto'))
  .option('--template <name>', Object.keys(TEMPLATES).join(', '))
  .option('--model <name>', "with --dataset: the registry model to add the version to (default the dataset's name)")
  // Numbers are checked with the rest of the spec (checkTrainingSpec), so a wrong one is refused with its range.
  .option('--epochs <n>', 'maximum epochs (early stopping may end sooner)', numberArg)
  .option('--members <n>', "train an ensemble of n models on different validation splits (1: one model; default the template's)", numberArg)
  .option('--seed <n>', 'random seed: the same seed gives the same model', numberArg)
  .option('--group-column <column>', 'rul: the machine or unit id')
  .option('--time-column <column>', 'rul: the cycle or time of each row')
  .option('--exclude <columns>', 'comma-separated columns to leave out (e.g. ones that leak the label)', list)
  .option('--type <column=type>', "force a column's type (repeatable)", collectType)
  .addOption(new Option('--text-model <model>', 'text: a fast embedding bag or a small transformer').choices([...TEXT_MODELS]))
  .option('--out <dir>', 'with --data: where to write the model bundle (must not exist)')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: with --data the metrics and the bundle; with --dataset {job, status, model, version, metrics}')
  .action(async (o) => {
    if ((o.data === undefined) === (o.dataset === undefined))
      throw new AndonError(
        'invalid_input',
        'give exactly one of --data FILE (train here, write a bundle) and --dataset NAME[@VERSION] (train a registry model)',
      );
    if (o.data !== undefined) {
      if (o.model !== undefined)
        throw new AndonError('invalid_input', '--model names a registry model: use it with --dataset (with --data, --out names the bundle)');
      if (o.url !== undefined)
        throw new AndonError('invalid_input', '--data trains on this machine; to train on a server, add the file with `andon datasets add` and use --dataset');
      printTrainResult(await trainCommand({ ...o, types: o.type }), o.json);
      return;
    }
    if (o.out !== undefined) throw new AndonError('invalid_input', "--out goes with --data; a registry model's bundle is fetched with `andon models export`");
    const spec = trainSpecOf({ ...o, types: o.type });
    parseDatasetRef(o.dataset);
    const result = await withBackend(
      o,
      async (b) => {
        let jobId: string | null = null;
        const onSigint = () => {
          if (!jobId) process.exit(130);
          if (b.kind === 'remote') {
            process.stderr.write(
              `\nandon: stopped following; job ${jobId} keeps running on ${b.where} (andon jobs show ${jobId}, andon jobs cancel ${jobId})\n`,
            );
            process.exit(130);
          }
          // The training runs in this process: cancel it and keep following until it has ended as cancelled
          // (exiting now would leave it marked running). A second Ctrl-C leaves at once.
          process.stderr.write(`\nandon: cancelling job ${jobId} (Ctrl-C again to leave at once)…\n`);
          process.once('SIGINT', () => process.exit(130));
          b.cancelJob(jobId).catch((e: Error) => process.stderr.write(`andon: could not cancel: ${e.message}\n`));
        };
        process.once('SIGINT', onSigint);
        try {
          return await trainFromDataset(
            b,
            { ...spec, dataset: o.dataset, model: o.model, json: o.json },
            {
              onStart: (job) => {
                jobId = job.id;
              },
            },
          );
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      },
      { consume: true },
    );
    print(o.json, result, formatTrainJob);
  });

/** A bundle directory, or a registry model (NAME[@ALIAS|:VERSION]) from the local home or the server. */
async function withModel<T>(model: string, o: { url?: string }, f: (load: BundleLoader) => Promise<T>): Promise<T> {
  if (isBundlePath(model)) return f(readBundle);
  parseModelRef(model);
  return withBackend(o, (b) => f(async (ref) => (await loadRegistryBundle(b, ref)).bundle));
}

program
  .command('eval')
  .description('score a model on a labelled data file: a bundle directory or a registry model')
  .argument('<model>', 'a model bundle directory, or NAME[@ALIAS|:VERSION] from the registry (default its latest version)')
  .requiredOption('--data <file>', 'labelled data; for rul, with the true remaining life of each row')
  .option('--positive-label <label>', 'binary: the class that precision, recall and F1 are about')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {"metrics": {...}}')
  .action(async (model: string, o: { data: string; positiveLabel?: string; url?: string; json?: boolean }) => {
    const result = await withModel(model, o, (load) => evalCommand(model, o, load));
    console.log(o.json ? JSON.stringify(result) : formatEval(result));
  });

program
  .command('predict')
  .description('predict every row of a file with a model: a bundle directory or a registry model')
  .argument('<model>', 'a model bundle directory, or NAME[@ALIAS|:VERSION] from the registry (default its latest version)')
  .requiredOption('--input <file>', 'rows to predict')
  .option('--output <file>', 'write predictions to a .csv, .json or .jsonl file instead of JSON lines on stdout')
  .addOption(urlOption())
  .action(async (model: string, o: { input: string; output?: string; url?: string }) => {
    const out = await withModel(model, o, (load) => predictCommand(model, o, load));
    if (out !== null) console.log(out);
  });

const datasets = program.command('datasets').description('datasets: immutable versions of uploaded data');
datasets
  .command('add')
  .description('add a file as a new version of a dataset (an unchanged file is recognised and not stored twice)')
  .argument('<file>', 'CSV, TSV, JSON or JSONL')
  .requiredOption('--name <name>', 'the dataset (letters, digits, ".", "_", "-")')
  .option('--mask-pii', 'detect and redact personal data in text columns before anything is stored')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {dataset, version, created}')
  .action(async (file: string, o: { name: string; maskPii?: boolean; url?: string; json?: boolean }) => {
    checkFile(file);
    print(o.json, await withBackend(o, (b) => datasetsAdd(b, file, o)), formatDatasetAdd);
  });
datasets
  .command('list')
  .description('list datasets')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {items}')
  .action(async (o: { url?: string; json?: boolean }) =>
    print(o.json, { items: await withBackend(o, (b) => b.listDatasets()) }, (r) => formatDatasets(r.items)),
  );
datasets
  .command('show')
  .description('a dataset with its versions')
  .argument('<name>', 'the dataset')
  .addOption(urlOption())
  .option('--json', 'print one JSON object')
  .action(async (name: string, o: { url?: string; json?: boolean }) =>
    print(o.json, await withBackend(o, (b) => b.getDataset(parseDatasetRef(name).name)), formatDataset),
  );

const jobs = program.command('jobs').description('training jobs');
jobs
  .command('list')
  .description('list training jobs, newest first')
  .addOption(new Option('--status <status>', 'only jobs in this state').choices([...JOB_STATUSES]))
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {items}')
  .action(async (o: { status?: JobStatus; url?: string; json?: boolean }) =>
    print(o.json, { items: await withBackend(o, (b) => b.listJobs({ status: o.status })) }, (r) => formatJobs(r.items)),
  );
jobs
  .command('show')
  .description('a training job: state, progress, error, result')
  .argument('<id>', 'the job id')
  .addOption(urlOption())
  .option('--json', 'print one JSON object')
  .action(async (id: string, o: { url?: string; json?: boolean }) => print(o.json, await withBackend(o, (b) => b.getJob(id)), formatJob));
jobs
  .command('cancel')
  .description('cancel a queued or running job')
  .argument('<id>', 'the job id')
  .addOption(urlOption())
  .option('--json', 'print one JSON object')
  .action(async (id: string, o: { url?: string; json?: boolean }) =>
    print(o.json, await withBackend(o, (b) => b.cancelJob(id)), (j) => `job ${j.id}: ${j.status}`),
  );

const models = program.command('models').description('the model registry: versions, aliases, export');
models
  .command('list')
  .description('list models with their latest version and aliases')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {items}')
  .action(async (o: { url?: string; json?: boolean }) => print(o.json, await withBackend(o, (b) => modelsList(b)), formatModels));
models
  .command('show')
  .description('a model with its versions and aliases, or one version (NAME@ALIAS, NAME:VERSION)')
  .argument('<model>', 'NAME[@ALIAS|:VERSION]')
  .addOption(urlOption())
  .option('--json', 'print one JSON object')
  .action(async (ref: string, o: { url?: string; json?: boolean }) => {
    const r = parseModelRef(ref);
    await withBackend(o, async (b) => {
      if (r.alias === undefined && r.version === undefined) print(o.json, await b.getModel(r.name), formatModel);
      else print(o.json, await resolveVersion(b, r), (v) => formatVersion(r.name, v));
    });
  });
models
  .command('promote')
  .description('point an alias (production, staging, …) at a version; deployments that follow the alias switch to it')
  .argument('<name>', 'the model')
  .requiredOption('--alias <alias>', 'e.g. production')
  .requiredOption('--version <version>', 'a version number (or an alias to copy)')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {model, alias, version, versionId}')
  .action(async (name: string, o: { alias: string; version: string; url?: string; json?: boolean }) => {
    parseModelRef(name);
    print(o.json, await withBackend(o, (b) => modelsPromote(b, name, o)), (r) => `${r.model}@${r.alias} → version ${r.version}`);
  });
models
  .command('export')
  .description("write a version's ONNX model to a file")
  .argument('<model>', 'NAME[@ALIAS|:VERSION] (default the latest version)')
  .addOption(new Option('--format <format>', 'the export format').choices(['onnx']).default('onnx'))
  .requiredOption('--out <file>', 'the file to write')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {model, version, format, out, bytes}')
  .action(async (ref: string, o: { format: string; out: string; url?: string; json?: boolean }) => {
    parseModelRef(ref);
    print(o.json, await withBackend(o, (b) => modelsExport(b, ref, o)), (r) => `wrote ${r.model}:${r.version} as ONNX to ${r.out} (${r.bytes} bytes)`);
  });

const deployments = program.command('deployments').description('deployments: named endpoints that serve a model by alias or version');
deployments
  .command('list')
  .description('list deployments')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {items}')
  .action(async (o: { url?: string; json?: boolean }) =>
    print(o.json, { items: await withBackend(o, (b) => b.listDeployments()) }, (r) => formatDeployments(r.items)),
  );
deployments
  .command('create')
  .description('serve a model: by alias (follows promotions) or by a pinned version')
  .argument('<name>', 'the deployment (part of its URL)')
  .requiredOption('--model <model>', 'the registry model')
  .option('--alias <alias>', 'serve what this alias points at')
  .option('--version <n>', 'serve this version', positiveInt)
  .addOption(urlOption())
  .option('--json', 'print one JSON object')
  .action(async (name: string, o: { model: string; alias?: string; version?: number; url?: string; json?: boolean }) => {
    if ((o.alias === undefined) === (o.version === undefined)) throw new AndonError('invalid_input', 'give exactly one of --alias ALIAS and --version N');
    await withBackend(o, async (b) =>
      print(o.json, await b.createDeployment({ name, model: o.model, alias: o.alias, version: o.version }), (d) => formatDeployment(d, b.where)),
    );
  });

const keys = program.command('keys').description('API keys (admin) and the master key');
keys
  .command('create')
  .description('create an API key; its secret is printed this once (on stdout, alone, without --json)')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
  .option('--scope <deployment>', 'limit the key to these deployments (repeatable or comma-separated)', list)
  .option('--name <name>', 'a label for the key (default "<role> key")')
  .addOption(urlOption())
  .option('--json', 'print one JSON object with the key and its record')
  .action(async (o: { role: string; scope?: string[]; name?: string; url?: string; json?: boolean }) => {
    const role = checkRole(o.role);
    const k = await withBackend(o, (b) => b.createKey({ name: o.name ?? `${role} key`, role, scopes: o.scope ?? [] }));
    if (o.json) {
      console.log(JSON.stringify(k));
      return;
    }
    process.stderr.write(
      `created ${k.role} key ${k.id} (${k.name}${k.scopes.length ? `, deployments ${k.scopes.join(', ')}` : ''}); store it now, it is not shown again:\n`,
    );
    console.log(k.key);
  });
keys
  .command('list')
  .description('list API keys (never their secrets)')
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {items}')
  .action(async (o: { url?: string; json?: boolean }) => print(o.json, { items: await withBackend(o, (b) => b.listKeys()) }, (r) => formatKeys(r.items)));
keys
  .command('revoke')
  .description('revoke an API key: refused from its next request on')
  .argument('<id>', 'the key id (from keys list)')
  .addOption(urlOption())
  .option('--json', 'print one JSON object')
  .action(async (id: string, o: { url?: string; json?: boolean }) =>
    print(o.json, await withBackend(o, (b) => b.revokeKey(id)), (k) => `revoked ${k.id} (${k.name})`),
  );
keys
  .command('rotate-master')
  .description("local only: re-wrap every data key under a new master key (the key file's, or ANDON_NEW_MASTER_KEY when ANDON_MASTER_KEY is set)")
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {from, to, rewrapped, alreadyDone}')
  .action(async (o: { url?: string; json?: boolean }) => {
    refuseRemote('keys rotate-master', remoteUrlOf(o));
    const r = await rotateMaster(readConfig(process.env));
    if (o.json) {
      console.log(JSON.stringify({ from: r.from, to: r.to, rewrapped: r.rewrapped, alreadyDone: r.alreadyDone, keyFile: r.keyFile }));
      return;
    }
    console.log(`${r.alreadyDone ? 'already rotated' : `rotated: ${r.rewrapped} data keys re-wrapped`} from master key ${r.from} to ${r.to}`);
    process.stderr.write(`${r.message}\n`);
  });

const auditCmd = program.command('audit').description('the hash-chained audit trail');
auditCmd
  .command('verify')
  .description("local only: recompute every tenant's hash chain; exit 1 at the first broken event")
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {ok, tenants}')
  .action(async (o: { url?: string; json?: boolean }) => {
    refuseRemote('audit verify', remoteUrlOf(o));
    const r = await auditVerify(readConfig(process.env));
    if (o.json) console.log(JSON.stringify(r));
    else if (r.ok) console.log(formatAuditVerify(r));
    if (!r.ok) {
      const bad = r.tenants.find((t) => !t.ok)!;
      throw new AndonError('integrity_error', `the audit chain of tenant ${bad.name} is broken at seq ${bad.firstBroken!.seq}: ${bad.firstBroken!.reason}`);
    }
  });
auditCmd
  .command('list')
  .description('audit events, oldest first')
  .option('--after <seq>', 'only events after this sequence number', integer)
  .option('--limit <n>', 'at most this many (default 100)', positiveInt)
  .addOption(urlOption())
  .option('--json', 'print one JSON object: {items}')
  .action(async (o: { after?: number; limit?: number; url?: string; json?: boolean }) =>
    print(o.json, { items: await withBackend(o, (b) => b.listAudit({ afterSeq: o.after, limit: o.limit })) }, (r) => formatAudit(r.items)),
  );

// `andon predict … | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

program.parseAsync().catch((err: Error) => {
  console.error(`andon: ${err.message}`);
  process.exit(1);
});
