// Entry of a pool child (thread or process): task modules may be TypeScript, so register the
// loader before the child imports them, as the celeriac binary does.
import { register } from 'tsx/esm/api';

register();
await import('./child-entry.ts');
