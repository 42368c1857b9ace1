// The stores with encryption at rest: blobs sealed under per-tenant data keys wrapped by the master key, checked before anything is read.
import { AndonError } from '../errors.js';
import { openStores, type BlobStore, type MetaStore, type StoreOptions, type Stores } from '../store/index.js';
import { EncryptedBlobStore } from './encrypted-blobs.js';
import { TenantKeyring } from './keyring.js';
import { verifyMasterKey } from './master-key.js';

export interface EncryptedStoreOptions extends Omit<StoreOptions, 'wrapBlobs'> {
  /**
   * The master key (32 bytes). It is checked against the store first: a wrong, retired or pending key fails
   * here, before anything is read. The function form runs once the metadata store is open (e.g. `(meta) =>
   * loadMasterKey({ home, env, meta }).then((m) => m.key)`, which needs the store to tell a first start from a
   * lost key file). Without one, only a home that has never encrypted opens.
   */
  masterKey?: Buffer | ((meta: MetaStore) => Promise<Buffer>);
}

export function openEncryptedStores(options: EncryptedStoreOptions): Promise<Stores> {
  const { masterKey, ...rest } = options;
  return openStores({
    ...rest,
    wrapBlobs: async (meta: MetaStore, openInner, maxBytes): Promise<BlobStore> => {
      if (masterKey) {
        const key = typeof masterKey === 'function' ? await masterKey(meta) : masterKey;
        await verifyMasterKey(meta, key);
        // The size limit applies to the plaintext, in the wrapper; the inner store takes whatever it seals.
        return new EncryptedBlobStore(await openInner({}), new TenantKeyring(meta, key), { maxBytes });
      }
      // Never read ciphertext as data, nor write clear data into an encrypted home.
      const active = (await meta.tenantKeys.masterKeys()).find((r) => r.state === 'active');
      if (active) {
        throw new AndonError(
          'invalid_input',
          `this home encrypts its blobs at rest under master key ${active.id}; start with that master key (ANDON_MASTER_KEY or its key file)`,
          { reason: 'master_key_required', expected: active.id },
        );
      }
      return openInner({ maxBytes });
    },
  });
}
