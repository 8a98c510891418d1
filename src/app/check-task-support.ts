import type { Broker, Coordination } from '../brokers/contract/index.ts';
import type { AppConfig } from '../config/app-config.ts';
import { ConfigError } from '../errors/errors.ts';
import { checkRateStore } from '../flow/rate/rate-option.ts';
import { assertSlotSupport } from '../flow/slots/slot-options.ts';
import { requireUniqueStore } from '../flow/unique/unique-support.ts';
import type { ResolvedTaskOptions } from '../task/options.ts';

/** What a task's registration is checked against. */
export interface TaskSupportHost {
  readonly config: AppConfig;
  readonly broker: Broker;
  readonly brokerLabel: string;
  readonly coordination: Coordination;
  readonly coordinationLabel: string;
}

/**
 * Fails a task's registration when it needs what the broker or the coordination cannot give
 * (priorities, unique claims, locks, rate limits), so it fails here, never at its first message.
 */
export function checkTaskSupport(
  host: TaskSupportHost,
  name: string,
  resolved: ResolvedTaskOptions,
): void {
  if (resolved.priority !== undefined && !host.broker.capabilities.priorities) {
    throw new ConfigError(
      `task "${name}".priority`,
      `the broker ${host.brokerLabel} does not support priorities`,
    );
  }
  // Eager apps never use the broker, so they may keep unique tasks on any.
  if (resolved.unique && !host.config.eager)
    requireUniqueStore(host.coordination, `the broker ${host.brokerLabel}`, name);
  assertSlotSupport(name, resolved, host.coordination, host.coordinationLabel);
  checkRateStore(resolved.rateLimit, host.coordination, host.coordinationLabel, name);
}
