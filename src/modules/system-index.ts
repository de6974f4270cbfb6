/** The system modules (accounts, cron, sysctl, hostname, mounts, service and package facts), in one list. */
import { getent } from './getent.js';
import { group } from './group.js';
import { registerModule } from './registry.js';
import type { AnyModule } from './types.js';
import { user } from './user.js';
import { cron } from './cron.js';
import { sysctl } from './sysctl.js';
import { hostname } from './hostname.js';
import { mount } from './mount.js';
import { package_facts } from './package_facts.js';
import { service_facts } from './service_facts.js';
import { authorized_key } from './authorized_key.js';
import { tempfile } from './tempfile.js';
import { assemble } from './assemble.js';
import { fetchModule } from './fetch.js';
import { apt_repository } from './apt_repository.js';
import { debconf } from './debconf.js';
import { wait_for_connection } from './wait_for_connection.js';

export const systemModules: readonly AnyModule[] = [
  user, group, getent, cron, sysctl, hostname, mount, service_facts, package_facts,
  authorized_key, tempfile, wait_for_connection, assemble, fetchModule, apt_repository, debconf,
];

let registered = false;

/** Register every system module (idempotent). */
export function registerSystemModules(): void {
  if (registered) return;
  registered = true;
  for (const m of systemModules) registerModule(m);
}
