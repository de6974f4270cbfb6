/** The core (non-Vault) modules, in one list. */
import { assert } from './assert.js';
import { async_status } from './async_status.js';
import { blockinfile } from './blockinfile.js';
import { command } from './command.js';
import { copy } from './copy.js';
import { debug } from './debug.js';
import { fail } from './fail.js';
import { file } from './file.js';
import { get_url } from './get_url.js';
import { lineinfile } from './lineinfile.js';
import { meta } from './meta.js';
import { ping } from './ping.js';
import { add_host } from './add_host.js';
import { findModule } from './find.js';
import { group_by } from './group_by.js';
import { ini_file } from './ini_file.js';
import { raw } from './raw.js';
import { replace } from './replace.js';
import { registerModule } from './registry.js';
import { service } from './service.js';
import { set_fact } from './set_fact.js';
import { shell } from './shell.js';
import { slurp } from './slurp.js';
import { stat } from './stat.js';
import { systemd } from './systemd.js';
import type { AnyModule } from './types.js';
import { template } from './template.js';
import { tls_probe } from './tls_probe.js';
import { unarchive } from './unarchive.js';
import { uri } from './uri.js';
import { wait_for } from './wait_for.js';
import { pause } from './pause.js';

export const coreModules: readonly AnyModule[] = [
  command, shell, raw, copy, file, template, lineinfile, blockinfile, stat, slurp, set_fact, debug,
  assert, fail, wait_for, meta, systemd, service, get_url, unarchive, uri, ping,
  tls_probe, replace, ini_file, async_status, findModule, group_by, add_host, pause,
];

let registered = false;

/** Register every core module (idempotent). */
export function registerCoreModules(): void {
  if (registered) return;
  registered = true;
  for (const m of coreModules) registerModule(m);
}
