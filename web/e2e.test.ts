// The dashboard end to end in Debian's Chromium: sign in, upload, train with a live curve, promote, deploy, predict,
// switch to Chinese, with no console errors and a screenshot of every page; and a viewer key sees no controls that change anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../src/cli/serve.ts';
import { readConfig } from '../src/cli/config.ts';
import { ai4iCsv } from '../src/data/synthetic-machines.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const ADMIN_KEY = `andon_0123456789ab_${'Ab3-_x9Q'.repeat(4)}`;
const EPOCHS = 40;
const LEAKS = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];

function skipReason(): string | false {
  if (!existsSync(join(ROOT, 'web/dist/index.html'))) return 'web/dist is missing: run `npm run build:web` first';
  // On CI a missing browser is a failure (the test runs and fails at launch), not a skip.
  if (!existsSync(CHROMIUM) && process.env.CI !== 'true') return `${CHROMIUM} is missing: apt-get install -y chromium`;
  return false;
}

/** Console errors and uncaught exceptions, except the 4xx answers of the sign-in role probes (they are expected). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url ?? '';
    if (/Failed to load resource/.test(m.text()) && (/\/api\/v1\/me$/.test(url) || url.includes('probe=role'))) return;
    errors.push(`${m.text()} (${url})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A browser with a fresh profile of its own. Playwright refuses `--user-data-dir` in `launch()` and takes the
 * directory as launchPersistentContext's argument instead; each user gets one, so nothing leaks between them.
 */
async function launch(viewport: { width: number; height: number }, dirs: string[]): Promise<{ ctx: BrowserContext; page: Page }> {
  const dir = mkdtempSync(join(tmpdir(), 'andon-chromium-'));
  dirs.push(dir);
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: FLAGS, viewport, locale: 'en-US' });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(20_000);
  return { ctx, page };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel(/API key|API 密钥/).fill(key);
  await page.locator('form button[type=submit]').click();
  await page.locator('[data-testid=role]').waitFor();
}

async function go(page: Page, href: string): Promise<void> {
  await page.locator(`nav a[data-nav="${href}"]`).click();
  await page.waitForURL((u) => u.pathname === href);
}

test('dashboard in Chromium', { skip: skipReason(), timeout: 180_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'andon-web-e2e-'));
  const profileDirs: string[] = [];
  const contexts: BrowserContext[] = [];
  mkdirSync(SHOTS, { recursive: true });
  const csv = join(home, 'machines.csv');
  writeFileSync(csv, ai4iCsv(1500, 1));
  let server: RunningServer | null = null;
  try {
    server = await startServer(
      { ...readConfig({}, { port: 0, home }), host: '127.0.0.1', bootstrapKey: ADMIN_KEY, logLevel: 'warn' },
      { say: () => {}, logger: false },
    );
    const url = server.url;
    let viewerKey = '';
    let jobPath = '';

    await t.test('an admin runs the whole lifecycle', async () => {
      const { ctx, page } = await launch({ width: 1280, height: 900 }, profileDirs);
      contexts.push(ctx);
      const errors = watchErrors(page);

      await page.goto(url);
      await page.locator('#api-key').waitFor();
      await shot(page, '01-sign-in');
      await signIn(page, url, ADMIN_KEY);
      assert.equal(await page.locator('[data-testid=role]').textContent(), 'Admin');

      // Upload with a progress bar, then the profile as pictures.
      await go(page, '/datasets');
      await page.locator('#upload-file').setInputFiles(csv);
      await page.locator('#upload-name').fill('machines');
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.waitForURL(/\/datasets\/machines$/);
      await page.locator('[data-testid=profile]').waitFor();
      await page.locator('[data-testid=preview-table] tbody tr').first().waitFor();
      assert.ok((await page.locator('[data-testid=column-types] li').count()) >= 3, 'column types drawn');
      assert.ok((await page.locator('[data-testid=warnings] li').count()) >= 1, 'warnings listed');
      await shot(page, '03-dataset-profile');
      await go(page, '/datasets');
      await page.locator('[data-testid=datasets-table]').waitFor();
      await shot(page, '02-datasets');

      // Train: dataset, target, template (with its description), a few epochs, leaking columns left out.
      await go(page, '/train');
      await page.locator('#train-target option[value="Machine failure"]').waitFor({ state: 'attached' });
      await page.locator('#train-target').selectOption('Machine failure');
      await page.locator('input[name=template][value=predictive-maintenance]').check();
      await page.locator('#train-model').fill('pm');
      await page.locator('details.field summary').click();
      await page.locator('#train-epochs').fill(String(EPOCHS));
      for (const c of LEAKS) await page.getByLabel(c, { exact: true }).check();
      await shot(page, '04-train');
      await page.getByRole('button', { name: 'Start training' }).click();
      await page.waitForURL(/\/jobs\/job_/);
      jobPath = new URL(page.url()).pathname;

      // The loss curve gains points while the job runs.
      const seen = new Set<number>();
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const n = Number(await page.locator('[data-testid=loss-chart]').getAttribute('data-points'));
        if (n > 0) seen.add(n);
        if (await page.locator('.badge[data-status=succeeded]').count()) break;
        await page.waitForTimeout(100);
      }
      await page.locator('.badge[data-status=succeeded]').waitFor();
      const final = Number(await page.locator('[data-testid=loss-chart]').getAttribute('data-points'));
      assert.ok(final >= 2, `the curve has ${final} points`);
      assert.ok(seen.size >= 2, `the curve grew while watched (point counts seen: ${[...seen].join(', ')})`);
      await shot(page, '05-job');

      // The model: metrics as pictures, then promote version 1 to production.
      await page.locator('[data-testid=job-model-link]').click();
      await page.waitForURL(/\/models\/pm$/);
      await page.locator('[data-testid=confusion-matrix]').waitFor();
      await page.locator('[data-testid=roc-chart]').waitFor();
      await page.locator('#promote-alias').fill('production');
      await page.locator('#promote-version').selectOption('1');
      await page.locator('[data-testid=promote-form] button[type=submit]').click();
      await page.getByText('@production now points at version 1.').waitFor();
      await page.locator('[data-testid=versions-table] .badge.alias').waitFor();
      await shot(page, '07-model');
      await go(page, '/models');
      await shot(page, '06-models');

      // A second version to compare with the first, and a third job cancelled while it starts.
      const train = async (epochs: number) => {
        await go(page, '/train');
        await page.locator('#train-target option[value="Machine failure"]').waitFor({ state: 'attached' });
        await page.locator('#train-target').selectOption('Machine failure');
        await page.locator('#train-model').fill('pm');
        await page.locator('details.field summary').click();
        await page.locator('#train-epochs').fill(String(epochs));
        for (const c of LEAKS) await page.getByLabel(c, { exact: true }).check();
        await page.getByRole('button', { name: 'Start training' }).click();
        await page.waitForURL(/\/jobs\/job_/);
      };
      await train(5);
      await page.locator('.badge[data-status=succeeded]').waitFor({ timeout: 60_000 });
      await train(5000);
      await page.getByRole('button', { name: 'Cancel job' }).click();
      await page.locator('.badge[data-status=cancelled]').waitFor({ timeout: 30_000 });
      await page.goto(`${url}/models/pm`);
      await page.locator('#compare-a').selectOption('1');
      await page.locator('#compare-b').selectOption('2');
      await page.getByRole('button', { name: 'Compare', exact: true }).click();
      await page.locator('[data-testid=compare-table] tbody tr').first().waitFor();
      assert.ok((await page.locator('[data-testid=compare-table] tbody tr').count()) >= 3, 'metrics side by side');
      await shot(page, '07b-model-compare');

      // Deploy by alias, predict through the generated form, change batching.
      await go(page, '/deployments');
      await page.locator('#deploy-model option[value=pm]').waitFor({ state: 'attached' });
      await page.locator('#deploy-name').fill('pm-prod');
      await page.locator('#deploy-alias').fill('production');
      await page.getByRole('button', { name: 'Deploy', exact: true }).click();
      await page.waitForURL(/\/deployments\/pm-prod$/);
      const row: Record<string, string> = {
        Type: 'L',
        'Air temperature [K]': '302.5',
        'Process temperature [K]': '311.0',
        'Rotational speed [rpm]': '1290',
        'Torque [Nm]': '68.5',
        'Tool wear [min]': '215',
      };
      await page.locator('[data-testid=try-it-form] input').first().waitFor();
      // The categorical field suggests the values training saw.
      const list = await page.locator('[data-testid=try-it-form] [data-column="Type"]').getAttribute('list');
      assert.deepEqual(await page.locator(`datalist#${list} option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), ['H', 'L', 'M']);
      for (const [col, v] of Object.entries(row)) await page.locator(`[data-testid=try-it-form] [data-column="${col}"]`).fill(v);
      await page.getByRole('button', { name: 'Predict', exact: true }).click();
      const label = await page.locator('[data-testid=predicted-label]').textContent();
      assert.ok(label === '0' || label === '1', `predicted label ${label}`);
      assert.equal(await page.locator('[data-testid=probabilities] li').count(), 2);
      await page.locator('#batching-on').check();
      await page.locator('#batching-max').fill('16');
      await page.locator('[data-testid=batching-form] button[type=submit]').click();
      await page.getByText('up to 16 rows').waitFor();
      await page.locator('[data-testid=rate-chart][data-points]').waitFor();
      // The traffic comes from /metrics: the prediction above is counted.
      await page.locator('[data-testid=rate-chart] figcaption', { hasText: /predictions so far: [1-9]/ }).waitFor();
      await shot(page, '09-deployment');
      await go(page, '/deployments');
      await shot(page, '08-deployments');

      await go(page, '/jobs');
      await page.locator('[data-testid=jobs-table]').waitFor();
      await shot(page, '10-jobs');

      // Keys: create a viewer key (shown once) for the second test.
      await go(page, '/keys');
      await page.locator('#key-name').fill('line 3 tablet');
      await page.locator('#key-role').selectOption('viewer');
      await page.getByRole('button', { name: 'Create key' }).click();
      viewerKey = (await page.locator('[data-testid=new-key]').textContent()) ?? '';
      assert.match(viewerKey, /^andon_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
      // Revoke another key with the two-step confirmation.
      await page.locator('#key-name').fill('old tablet');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.locator('[data-testid=keys-table] tr', { hasText: 'old tablet' }).waitFor();
      await page.getByRole('button', { name: 'Revoke the key old tablet' }).click();
      await page.getByRole('button', { name: 'Yes, revoke' }).click();
      await page.locator('[data-testid=keys-table] tr', { hasText: 'old tablet' }).getByText('Revoked').waitFor();
      await shot(page, '11-keys');
      await go(page, '/audit');
      await page.locator('[data-testid=audit-table] tbody tr').first().waitFor();
      await shot(page, '12-audit');

      await go(page, '/');
      await page.locator('[data-testid=overview-deployments]').waitFor();
      await shot(page, '00-overview');

      // Chinese: the whole shell follows, and the html lang too.
      await page.locator('[data-testid=language]').selectOption('zh');
      await page.locator('nav a[data-nav="/"]', { hasText: '概览' }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
      assert.equal(await page.locator('[data-testid=role]').textContent(), '管理员');
      await shot(page, '13-overview-zh');
      await page.goto(`${url}${jobPath}`);
      await page.locator('.badge[data-status=succeeded]', { hasText: '已成功' }).waitFor();
      await shot(page, '14-job-zh');
      await page.goto(`${url}/models/pm`);
      await page.locator('[data-testid=confusion-matrix]').waitFor();
      await shot(page, '15-model-zh');
      await page.goto(`${url}/datasets/machines`);
      await page.locator('[data-testid=profile]').waitFor();
      await shot(page, '16-dataset-zh');

      assert.deepEqual(errors, [], 'no console errors');
      await ctx.close();
    });

    await t.test('a viewer sees no create, train, promote or key controls', async () => {
      assert.ok(viewerKey, 'the admin test created a viewer key');
      // A tablet in portrait: the layout goes to one column and the menu folds.
      const { ctx, page } = await launch({ width: 820, height: 1180 }, profileDirs);
      contexts.push(ctx);
      const errors = watchErrors(page);
      await signIn(page, url, viewerKey);
      assert.equal(await page.locator('[data-testid=role]').textContent(), 'Viewer');
      for (const href of ['/train', '/keys', '/audit']) assert.equal(await page.locator(`nav a[data-nav="${href}"]`).count(), 0, `no ${href} link`);
      await page.locator('[data-testid=overview-deployments]').waitFor();
      // Keyboard: the first Tab reaches the skip link; the folded menu opens with Enter and its links take focus.
      await page.reload();
      await page.locator('[data-testid=overview-deployments]').waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'menu-toggle');
      await page.keyboard.press('Enter');
      await page.locator('nav#main-nav a[data-nav="/models"]').waitFor({ state: 'visible' });
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-nav')), '/');
      await shot(page, '17-viewer-overview-tablet');
      await page.keyboard.press('Escape');

      await page.goto(`${url}/datasets`);
      await page.locator('[data-testid=datasets-table]').waitFor();
      assert.equal(await page.locator('#upload-file').count(), 0, 'no upload form');
      await page.goto(`${url}/train`);
      await page.locator('h1', { hasText: 'Train a model' }).waitFor();
      assert.equal(await page.locator('[data-testid=train-form]').count(), 0, 'no train form');
      await page.goto(`${url}/models/pm`);
      await page.locator('[data-testid=versions-table]').waitFor();
      assert.equal(await page.locator('[data-testid=promote-form]').count(), 0, 'no promote form');
      await page.goto(`${url}/deployments`);
      await page.locator('[data-testid=deployments-table]').waitFor();
      assert.equal(await page.locator('[data-testid=deploy-form]').count(), 0, 'no deploy form');
      await page.goto(`${url}/deployments/pm-prod`);
      await page.locator('.badge[data-status=ready]').waitFor(); // the served version is known: an allowed role would see the form now
      assert.equal(await page.locator('[data-testid=try-it-form]').count(), 0, 'no try-it form');
      assert.equal(await page.locator('[data-testid=batching-form]').count(), 0, 'no batching form');
      await page.goto(`${url}${jobPath}`);
      await page.locator('[data-testid=loss-chart]').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Cancel job' }).count(), 0, 'no cancel button');
      await page.goto(`${url}/keys`);
      await page.locator('h1', { hasText: 'Page not found' }).waitFor();
      assert.equal(await page.locator('[data-testid=create-key-form]').count(), 0, 'no key form');
      await shot(page, '18-viewer-model-tablet');
      assert.deepEqual(errors, [], 'no console errors');
      await ctx.close();
    });
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    await server?.close();
    rmSync(home, { recursive: true, force: true });
    for (const d of profileDirs) rmSync(d, { recursive: true, force: true });
  }
});
