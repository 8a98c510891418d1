import type { Coordination } from './coordination.ts';
import type { QueueAdmin } from './queue-admin.ts';
import type { Transport } from './transport.ts';

/**
 * A full broker: a transport, the admin of its queues, and the coordination stores it keeps
 * itself (all of them for SQLite and Redis; none for a transport-only broker). All operations
 * that change state are atomic inside the adapter.
 */
export interface Broker extends Transport, QueueAdmin, Coordination {}
