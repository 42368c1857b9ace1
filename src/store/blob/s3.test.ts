// The S3 BlobStore against an S3-compatible server (ANDON_TEST_S3_URL, e.g. moto): the contract suite,
// its object layout, tampering behind its back, an unreachable bucket; URL parsing runs everywhere.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AndonError } from '../../errors.js';
import { openBlobStore } from '../index.js';
import { blobStoreContract } from './contract.js';
import { parseS3Url, S3BlobStore } from './s3.js';

const url = process.env.ANDON_TEST_S3_URL;
const skip = url ? false : 'ANDON_TEST_S3_URL is not set (CI starts moto and sets it to http://127.0.0.1:5005)';
const bucket = `andon-test-${randomBytes(6).toString('hex')}`;
let admin: S3Client;

if (url) {
  // The store takes its endpoint and credentials from the usual AWS variables, as in production.
  process.env.AWS_ENDPOINT_URL_S3 = url;
  process.env.AWS_ACCESS_KEY_ID ||= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'test';
  before(async () => {
    admin = new S3Client({ endpoint: url, forcePathStyle: true, region: process.env.AWS_REGION || 'us-east-1' });
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(() => admin?.destroy());
}

const objectKey = (prefix: string, tenant: string, key: string) => `${prefix}/${tenant}/${key.slice(0, 2)}/${key}`;
const overwrite = (key: string, body: Buffer) => admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AndonError, `expected an AndonError, got ${String(e)}`);
    return e.code;
  }
  return 'resolved';
}

async function drain(s: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

if (url) {
  blobStoreContract('s3', async () => {
    // A fresh prefix per test: an empty store in the shared bucket.
    const prefix = `run-${randomUUID()}`;
    return {
      store: await openBlobStore(`s3://${bucket}/${prefix}`),
      async corrupt(tenant, key) {
        const k = objectKey(prefix, tenant, key);
        const out = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
        const size = (await out.Body!.transformToByteArray()).length;
        await overwrite(k, Buffer.alloc(size, 0x21));
      },
    };
  });
} else {
  test('BlobStore contract: s3', { skip }, () => {});
}

test('s3 blobs: laid out as <prefix>/<tenant>/<ab>/<sha256>; a tampered object is an integrity_error', { skip }, async () => {
  const prefix = `layout/${randomUUID()}`;
  const store = await openBlobStore(`s3://${bucket}/${prefix}/`);
  try {
    const ref = await store.put('t1', Buffer.from('spindle,load\n1,0.4\n'));
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
    assert.deepEqual(
      (listed.Contents ?? []).map((o) => o.Key),
      [objectKey(prefix, 't1', ref.key)],
    );
    // Other bytes (another length too) written under the blob's name with the SDK, as someone with bucket access could.
    await overwrite(objectKey(prefix, 't1', ref.key), Buffer.from('spindle,load\n1,9.9\nforged'));
    assert.equal(await code(store.get('t1', ref.key)), 'integrity_error');
    assert.equal(await code(drain(await store.createReadStream('t1', ref.key))), 'integrity_error');
    // Putting the genuine bytes again repairs the object (its size differs, so it is rewritten).
    await store.put('t1', Buffer.from('spindle,load\n1,0.4\n'));
    assert.deepEqual(await store.get('t1', ref.key), Buffer.from('spindle,load\n1,0.4\n'));
  } finally {
    await store.close();
  }
});

test('s3 blobs: the store-wide size limit applies unless a put sets its own', { skip }, async () => {
  const store = await openBlobStore(`s3://${bucket}/limit-${randomUUID()}`, { maxBytes: 4 });
  try {
    await assert.rejects(store.put('t1', Buffer.from('12345')), (e: unknown) => e instanceof AndonError && e.code === 'too_large' && e.details.limit === 4);
    assert.equal((await store.put('t1', Buffer.from('12345'), { maxBytes: 5 })).bytes, 5);
  } finally {
    await store.close();
  }
});

test('s3 blobs: list follows continuation tokens across pages and yields only blob keys', { skip }, async () => {
  const prefix = `pages-${randomUUID()}`;
  const store = new S3BlobStore({ ...parseS3Url(`s3://${bucket}/${prefix}`), listPageSize: 2 });
  try {
    const refs = await Promise.all(Array.from({ length: 5 }, (_, i) => store.put('t1', Buffer.from(`blob ${i}`))));
    await store.put('t10', Buffer.from('another tenant whose id starts alike'));
    await overwrite(`${prefix}/t1/notes.txt`, Buffer.from('not a blob'));
    const keys: string[] = [];
    for await (const k of store.list('t1')) keys.push(k);
    assert.deepEqual(keys.sort(), refs.map((r) => r.key).sort());
  } finally {
    await store.close();
  }
});

test('s3 blobs: a bucket that does not exist is unavailable to ping and to reads', { skip }, async () => {
  const store = await openBlobStore(`s3://no-such-bucket-${randomBytes(6).toString('hex')}/x`);
  try {
    assert.equal(await code(store.ping()), 'unavailable');
    assert.equal(await code(store.put('t1', Buffer.from('x'))), 'unavailable');
  } finally {
    await store.close();
  }
});

test('s3 blobs: URLs name a valid bucket and an optional prefix of safe segments', async () => {
  assert.deepEqual(parseS3Url('s3://bucket/prefix'), { bucket: 'bucket', prefix: 'prefix' });
  assert.deepEqual(parseS3Url('s3://my.bucket-1/a/b/'), { bucket: 'my.bucket-1', prefix: 'a/b' });
  assert.deepEqual(parseS3Url('S3://bucket'), { bucket: 'bucket', prefix: '' });
  for (const bad of [
    's3://',
    's3:///prefix',
    's3://Bucket/x',
    's3://b/x',
    's3://bucket/../x',
    's3://bucket/a//b',
    's3://user:pw@bucket/x',
    's3://bucket/x?y=1',
  ]) {
    assert.throws(
      () => parseS3Url(bad),
      (e: unknown) => e instanceof AndonError && e.code === 'invalid_input',
      bad,
    );
  }
  // Opening checks the URL but contacts nothing: reachability is ping's (and /health/ready's) job.
  const store = new S3BlobStore({ ...parseS3Url('s3://bucket/p'), endpoint: 'http://127.0.0.1:9' });
  assert.equal(await code(store.get('t1', 'x')), 'invalid_input');
  assert.equal(await code(store.put('../t', Buffer.from('x'))), 'invalid_input');
  await store.close();
});
