/** The HTML run report: `orchestrate run ... --report FILE` and `orchestrate report EVENTS.jsonl -o FILE`. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderReport } from './html.js';
import type { ReportModel } from './model.js';

export { ReportBuilder, modelFromJsonLines, type ReportModel } from './model.js';

/** Written whole or not at all: a temp file beside the target, then a rename. */
export function writeReport(file: string, model: ReportModel): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, renderReport(model));
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
