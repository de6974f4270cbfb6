/** --json: one JSON object per line for every event (already masked by the event bus). */
import type { RunEvent } from '../executor/events.js';

export function jsonRenderer(write: (s: string) => void): (e: RunEvent) => void {
  return (e) => write(`${JSON.stringify({ ts: new Date().toISOString(), ...e })}\n`);
}
