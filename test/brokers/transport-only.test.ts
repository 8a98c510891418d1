import { queueAdminConformance, transportConformance } from '../../src/testing/index.ts';
import { TransportOnlyBroker } from '../support/transport-only-broker.ts';

// A broker without coordination stores passes the transport and queue admin suites alone.
transportConformance('transport-only', () => new TransportOnlyBroker());
queueAdminConformance('transport-only', () => new TransportOnlyBroker());
