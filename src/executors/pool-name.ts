/** Where a worker runs its handlers. */
export type PoolName = 'async' | 'threads' | 'process';

/** The pool names a user may give. */
export const POOL_NAMES: readonly PoolName[] = ['async', 'threads', 'process'];
