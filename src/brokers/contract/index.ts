// The broker contract in one place: what a transport, its queue admin and the coordination
// stores implement. Feature folders import from here; nothing here imports a feature folder.
export type { BeatStore, StoredEntry } from './beat-store.ts';
export type { Broadcast, Unsubscribe } from './broadcast.ts';
export type { Broker } from './broker.ts';
export {
  COORDINATION_STORES,
  type Coordination,
  type CoordinationStoreName,
} from './coordination.ts';
export type {
  DeadLetter,
  DeadLetterQuery,
  DelayedMessage,
  LeftDeadLetters,
  QueueAdmin,
  QueueStats,
  RequeueReport,
} from './queue-admin.ts';
export type {
  RateAdmission,
  RateLimit,
  RateOverride,
  RateRequest,
  RateStore,
} from './rate-store.ts';
export type { RevokedId, RevokeStore } from './revoke-store.ts';
export type { SlotClaim, SlotHold, SlotStore } from './slot-store.ts';
export type {
  BrokerCapabilities,
  Delivery,
  NackOptions,
  OutgoingMessage,
  ReserveOptions,
  Transport,
  TransportCapabilities,
} from './transport.ts';
export type { UniqueClaim, UniqueSend, UniqueStore } from './unique-store.ts';
export type { WorkerInfo, WorkerRegistry } from './worker-registry.ts';
