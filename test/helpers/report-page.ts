/** Opens an HTML run report in headless chromium; the screenshot is kept in test-output/ (CI artifact). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM, Chromium } from '../../bench/lib/chromium.js';
import { REPO } from './cli.js';

export const hasChromium = CHROMIUM !== undefined;
export const OUTPUT_DIR = path.join(REPO, 'test-output');

export interface ReportPage {
  errors: string[];
  screenshot: string;
  page: {
    state: string;
    title: string;
    batches: number;
    hostRows: number;
    taskSegments: string[];
    cells: Record<string, number>;
    failures: string[];
    stops: string[];
    diffs: number;
    recapRows: number;
    external: number;
  };
}

const INSPECT = `(() => {
  const q = (s) => Array.from(document.querySelectorAll(s));
  const cells = {};
  for (const i of q('#matrix i')) cells[i.className] = (cells[i.className] || 0) + 1;
  return {
    state: document.getElementById('run-state').textContent,
    title: document.title,
    batches: q('#timeline .batch .row.head .name').filter((n) => n.textContent.startsWith('batch ')).length,
    hostRows: q('#timeline .row:not(.head)').length,
    taskSegments: q('#timeline .seg.task').map((s) => s.textContent),
    cells,
    failures: q('#failures .failure').map((f) => f.textContent),
    stops: q('#stops .stop').map((s) => s.textContent),
    diffs: q('#diffs details').length,
    recapRows: q('#recap tr').length - 1,
    external: q('[src],link[href]').length,
  };
})()`;

export async function openReport(file: string, name: string): Promise<ReportPage> {
  const browser = new Chromium();
  try {
    const r = await browser.open(`file://${path.resolve(file)}`, "document.body.classList.contains('ready')", INSPECT);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const screenshot = path.join(OUTPUT_DIR, `${name}.png`);
    writeFileSync(screenshot, r.screenshot);
    return { errors: r.errors, screenshot, page: r.value as ReportPage['page'] };
  } finally {
    await browser.close();
  }
}
