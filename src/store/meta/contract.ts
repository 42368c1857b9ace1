// The MetaStore contract suite: every implementation registers it from its own test file, e.g.
//   metaStoreContract('sqlite', () => openSqliteMetaStore({ path: ':memory:' }), { openPair })
// Each test opens a fresh, empty store from the factory and closes it.
import { describe } from 'node:test';
import { datasetContract } from './contract/datasets.js';
import { jobContract } from './contract/jobs.js';
import { keyContract } from './contract/keys.js';
import { logContract } from './contract/logs.js';
import { modelContract } from './contract/models.js';
import { sealingContract } from './contract/sealing.js';
import { tenancyContract } from './contract/tenancy.js';
import type { MetaContractOptions, MetaFactory } from './contract/util.js';

export type { MetaContractOptions, MetaFactory } from './contract/util.js';

export function metaStoreContract(name: string, factory: MetaFactory, options: MetaContractOptions = {}): void {
  describe(`MetaStore contract: ${name}`, () => {
    tenancyContract(factory);
    datasetContract(factory, options);
    jobContract(factory);
    modelContract(factory);
    logContract(factory);
    keyContract(factory);
    sealingContract(factory);
  });
}
