/** What one task did on one host, as the executor passes it on (registered value, facts, control). */
import type { FileDiff } from '../modules/types.js';

export interface HostTaskResult {
  status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';
  changed: boolean;
  msg?: string;
  reason?: string;
  diff?: FileDiff[];
  /** The registered value. */
  registered: Record<string, unknown>;
  facts?: Record<string, unknown>;
  meta?: string;
  ignored?: boolean;
  output?: unknown;
  delegatedTo?: string;
}

export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A failure with its message, registered as Ansible registers one (`failed: true, msg`). */
export function failedResult(msg: string, registeredMsg = msg): HostTaskResult {
  return { status: 'failed', changed: false, msg, registered: { failed: true, msg: registeredMsg } };
}

export function unreachableResult(msg: string): HostTaskResult {
  return { status: 'unreachable', changed: false, msg, registered: { unreachable: true, msg } };
}

export function skippedResult(when: unknown[]): HostTaskResult {
  return { status: 'skipped', changed: false, reason: 'conditional result was False', registered: { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: String(when.at(-1)) } };
}
