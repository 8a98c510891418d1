import type { ChaosScenario } from '../scenario.ts';
import { networkPartition } from './network-partition.ts';
import { sqliteDiskFull } from './sqlite-disk-full.ts';
import { sqliteLockedFile } from './sqlite-locked-file.ts';
import { workerClockSteps } from './worker-clock-steps.ts';
import { workerOutputLost } from './worker-output-lost.ts';

/** The scenarios that change the machine around the processes (chaos/env/), in run order. */
export const ENVIRONMENT_SCENARIOS: ChaosScenario[] = [
  networkPartition(),
  sqliteDiskFull(),
  sqliteLockedFile(),
  workerOutputLost('pipe closed'),
  workerOutputLost('pipe not read'),
  workerOutputLost('log on full disk'),
  workerClockSteps(),
];
