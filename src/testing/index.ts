/**
 * Conformance suites for vitest: run them against a broker, result backend or store of your
 * own to check it keeps the contract Celeriac's own adapters keep.
 *
 * @module celeriac/testing
 */
export { backendConformance } from './backend-conformance.ts';
export { beatStoreConformance } from './beat-store-conformance.ts';
export { broadcastConformance } from './broadcast-conformance.ts';
export {
  type BrokerConformanceOptions,
  brokerConformance,
  queueAdminConformance,
  transportConformance,
} from './broker-conformance.ts';
export { type CoordinationPeer, coordinationConformance } from './coordination-conformance.ts';
export { rateStoreConformance } from './rate-store-conformance.ts';
export { revokeStoreConformance } from './revoke-store-conformance.ts';
export { slotStoreConformance } from './slot-store-conformance.ts';
export {
  type UniqueStoreBroker,
  type UniqueStorePeers,
  uniqueStoreConformance,
} from './unique-store-conformance.ts';
export { workerRegistryConformance } from './worker-registry-conformance.ts';
