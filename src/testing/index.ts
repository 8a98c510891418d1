export { backendConformance } from './backend-conformance.ts';
export { type BrokerConformanceOptions, brokerConformance } from './broker-conformance.ts';
export { rateStoreConformance } from './rate-store-conformance.ts';
