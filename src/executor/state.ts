/** What the executor keeps while it runs a play's batch: each host's state and the batch's. */
import type pLimit from 'p-limit';
import type { Play } from '../playbook/model.js';
import type { HostStats } from './events.js';
import type { RunOptions } from './runner.js';
import type { VarStore } from './vars.js';

export interface HostState {
  name: string;
  failed: boolean;
  unreachable: boolean;
  ended: boolean;
  notified: Set<string>;
}

export interface PlayRun {
  play: Play;
  opts: RunOptions;
  vars: VarStore;
  stats: Map<string, HostStats>;
  limiter: ReturnType<typeof pLimit>;
  playbookDir: string;
  batchSize: number;
  abort: boolean;
  /** What set `abort`, for the rollout.stop event. */
  abortCause?: 'max_fail_percentage' | 'any_errors_fatal';
  batchFailed: Set<string>;
  /** meta: end_play ran: no later batch of this play runs. */
  endPlay: boolean;
  /** Every host of the play (clear_host_errors reaches beyond the batch). */
  playHosts: HostState[];
}
