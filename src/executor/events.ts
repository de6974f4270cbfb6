/** Typed executor events: the UI, the --json stream and reports only listen to these. */
import type { FileDiff } from '../modules/types.js';
import type { Position } from '../yaml/index.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type RunEvent =
  | { type: 'playbook.start'; file: string; check: boolean }
  | { type: 'play.start'; name: string; hosts: string[]; pattern: string }
  | { type: 'batch.start'; index: number; count: number; hosts: string[] }
  | { type: 'task.start'; id: number; name: string; module: string; hosts: string[]; handler: boolean; role?: string; pos?: Position }
  /** A host's turn at a task began (it got one of the forks). */
  | { type: 'host.start'; taskId: number; host: string }
  | {
      type: 'host.result';
      taskId: number;
      task: string;
      host: string;
      status: HostStatus;
      changed: boolean;
      /** Failure ignored with ignore_errors. */
      ignored?: boolean;
      msg?: string;
      reason?: string;
      diff?: FileDiff[];
      item?: unknown;
      delegatedTo?: string;
      durationMs: number;
      /** Output shown for debug tasks and at -v. */
      output?: unknown;
      /** Why a host failed, as Ansible shows it: rc, cmd, stdout/stderr (tails), msg, delta. */
      detail?: Record<string, unknown>;
    }
  | { type: 'task.end'; id: number; name: string }
  | { type: 'warning'; message: string }
  | { type: 'log'; host?: string; message: string; verbosity: number }
  | { type: 'play.end'; name: string }
  /** A play's rollout stopped before its last batch (max_fail_percentage, any_errors_fatal, or
   * every host of a batch failed): what stopped it and who was never started. */
  | {
      type: 'rollout.stop';
      play: string;
      batch: number;
      count: number;
      cause: 'max_fail_percentage' | 'any_errors_fatal' | 'all_failed';
      maxFailPercentage?: number;
      failed: { host: string; status: 'failed' | 'unreachable' }[];
      notStarted: string[];
      playsNotRun: string[];
    }
  | { type: 'recap'; stats: Record<string, HostStats>; durationMs: number; interrupted: boolean };

export type Listener = (e: RunEvent) => void;

export class EventBus {
  private readonly listeners: Listener[] = [];
  constructor(private readonly mask: <T>(v: T) => T) {}
  on(l: Listener): void {
    this.listeners.push(l);
  }
  emit(e: RunEvent): void {
    const masked = this.mask(e);
    for (const l of this.listeners) l(masked);
  }
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
