/** `orchestrate report EVENTS.jsonl -o run.html`: the HTML report from a saved --json stream. */
import { readFileSync } from 'node:fs';
import { modelFromJsonLines, writeReport } from '../report/index.js';
import { EXIT } from './main.js';

export function reportCommand(events: string, flags: { output?: string }): number {
  const out = flags.output ?? 'run.html';
  let text: string;
  try {
    text = events === '-' ? readFileSync(0, 'utf8') : readFileSync(events, 'utf8');
  } catch (e) {
    process.stderr.write(`error: cannot read ${events}: ${(e as Error).message}\n`);
    return EXIT.error;
  }
  try {
    const model = modelFromJsonLines(text, events === '-' ? 'stdin' : events);
    if (model.tasks.length === 0 && Object.keys(model.recap).length === 0) throw new Error(`${events}: no run events found (expected the output of orchestrate run --json)`);
    writeReport(out, model);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return EXIT.error;
  }
  process.stdout.write(`report written to ${out}\n`);
  return EXIT.ok;
}
