import { describe, expect, it } from 'vitest';
import { type AppConfig, ConfigError, createApp } from '../../../src/index.ts';

/** The message of the ConfigError creating an app with this config throws. */
function configError(config: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    createApp({ logLevel: 'silent', ...(config as AppConfig) }, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('worker.metricsPort', () => {
  it('takes a port from 0 to 65535, in code or from CELERIAC_METRICS_PORT', () => {
    expect(createApp({ worker: { metricsPort: 9808 } }, {}).config.worker?.metricsPort).toBe(9808);
    expect(createApp({}, { CELERIAC_METRICS_PORT: '0' }).config.worker?.metricsPort).toBe(0);
  });

  it('rejects anything else, naming the key or variable', () => {
    expect(configError({ worker: { metricsPort: 65536 } })).toBe(
      'invalid config "worker.metricsPort": expected a port from 0 to 65535, got 65536',
    );
    expect(configError({ worker: { metricsPort: '9808' } })).toBe(
      'invalid config "worker.metricsPort": expected a port from 0 to 65535, got "9808"',
    );
    expect(configError({}, { CELERIAC_METRICS_PORT: 'http' })).toBe(
      'invalid config "CELERIAC_METRICS_PORT (worker.metricsPort)": expected an integer, got "http"',
    );
  });
});
