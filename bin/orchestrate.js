#!/usr/bin/env node
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('orchestrate: not built yet: run `npm run build` in its directory (npm ci builds it too)\n');
  process.exit(1);
}
import(entry.href).then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`orchestrate: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
