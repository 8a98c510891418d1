// Entry of a pool child when Celeriac runs from its TypeScript sources (the repository's own
// tests): the child's own modules need a loader. The published package starts children on the
// compiled child-entry.js and needs none.
import { register } from 'tsx/esm/api';

register();
globalThis[Symbol.for('celeriac.tsx-registered')] = true;
await import('./child-entry.ts');
