import type { ChaosScenario } from './scenario.ts';
import { beatLeaderKill } from './scenarios/beat-leader-kill.ts';
import { ENVIRONMENT_SCENARIOS } from './scenarios/environment.ts';
import { lockChordKill } from './scenarios/lock-chord-kill.ts';
import { producerKill } from './scenarios/producer-kill.ts';
import { redisOutage } from './scenarios/redis-outage.ts';
import { redisRestart } from './scenarios/redis-restart.ts';
import { workerKillCycles } from './scenarios/worker-kill-cycles.ts';

/** Every scenario `npm run chaos` and the short suite in `npm test` run, in this order. */
export const SCENARIOS: ChaosScenario[] = [
  workerKillCycles(),
  producerKill,
  beatLeaderKill,
  lockChordKill,
  redisRestart,
  redisOutage,
  ...ENVIRONMENT_SCENARIOS,
];
