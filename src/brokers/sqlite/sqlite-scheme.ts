import type { SchemeEntry } from '../../config/scheme-registry.ts';
import { sqliteFileOf } from '../../sqlite/sqlite-url.ts';
import type { Broker } from '../contract/index.ts';
import { SqliteBroker } from './sqlite-broker.ts';

/** `sqlite://relative.db`, `sqlite:///absolute.db`: the embedded broker in one file. */
export const sqliteBrokerScheme: SchemeEntry<Broker> = {
  schemes: ['sqlite'],
  create: (url) => new SqliteBroker({ path: sqliteFileOf(url, 'broker') }),
};
