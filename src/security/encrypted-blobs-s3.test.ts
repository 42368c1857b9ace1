// The encrypting BlobStore over the S3 store (ANDON_TEST_S3_URL, e.g. moto): the contract suite, and a
// round trip whose object in the bucket holds only sealed bytes.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { blobStoreContract } from '../store/blob/contract.js';
import { openS3BlobStore } from '../store/blob/s3.js';
import { openSqliteMetaStore } from '../store/meta/sqlite.js';
import { BLOB_OVERHEAD } from './envelope.js';
import { EncryptedBlobStore } from './encrypted-blobs.js';
import { TenantKeyring } from './keyring.js';
import { verifyMasterKey } from './master-key.js';

const url = process.env.ANDON_TEST_S3_URL;
const skip = url ? false : 'ANDON_TEST_S3_URL is not set (CI starts moto and sets it to http://127.0.0.1:5005)';
const bucket = `andon-enc-${randomBytes(6).toString('hex')}`;
const A = 'tenant-a';
const B = 'tenant-b';
let admin: S3Client;

if (url) {
  process.env.AWS_ENDPOINT_URL_S3 = url;
  process.env.AWS_ACCESS_KEY_ID ||= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'test';
  before(async () => {
    admin = new S3Client({ endpoint: url, forcePathStyle: true, region: process.env.AWS_REGION || 'us-east-1' });
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(() => admin?.destroy());
}

async function open() {
  const prefix = `enc-${randomUUID()}`;
  const meta = await openSqliteMetaStore({ path: ':memory:' });
  for (const id of [A, B]) await meta.tenants.create({ id, name: id });
  const masterKey = randomBytes(32);
  await verifyMasterKey(meta, masterKey);
  const store = new EncryptedBlobStore(openS3BlobStore(`s3://${bucket}/${prefix}`), new TenantKeyring(meta, masterKey));
  const objectKey = (tenant: string, key: string) => `${prefix}/${tenant}/${key.slice(0, 2)}/${key}`;
  const read = async (k: string) => Buffer.from(await (await admin.send(new GetObjectCommand({ Bucket: bucket, Key: k }))).Body!.transformToByteArray());
  return { prefix, meta, store, objectKey, read };
}

if (url) {
  blobStoreContract('encrypted over s3', async () => {
    const t = await open();
    return {
      store: t.store,
      keyOf: (tenant, bytes) => t.store.keyOf(tenant, bytes),
      async corrupt(tenant, key) {
        const k = t.objectKey(tenant, key);
        const size = (await t.read(k)).length;
        await admin.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: Buffer.alloc(size, 0x21) }));
      },
      dispose: () => t.meta.close(),
    };
  });
} else {
  test('BlobStore contract: encrypted over s3', { skip }, () => {});
}

test('encrypted blobs over s3: a put/get round trip; the bucket holds only sealed bytes under a keyed name', { skip }, async () => {
  const t = await open();
  try {
    const csv = Buffer.from('UDI,Operator e-mail\n48213,wei.zhang@plant-7.example\n');
    const ref = await t.store.put(A, csv);
    assert.deepEqual(await t.store.get(A, ref.key), csv);
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${t.prefix}/` }));
    assert.deepEqual(
      (listed.Contents ?? []).map((o) => o.Key),
      [t.objectKey(A, ref.key)],
    );
    const stored = await t.read(t.objectKey(A, ref.key));
    assert.equal(stored.length, csv.length + BLOB_OVERHEAD);
    for (const value of ['48213', 'wei.zhang', 'plant-7', 'Operator'])
      assert.equal(stored.includes(Buffer.from(value)), false, `${value} is in the bucket in clear`);
    assert.notEqual(ref.key, ref.sha256, 'the object name is not the plaintext hash');
  } finally {
    await t.store.close();
    await t.meta.close();
  }
});
