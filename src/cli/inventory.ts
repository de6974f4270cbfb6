/** `orchestrate inventory`: --list-hosts, --graph, --host, --list (ansible-inventory compatible). */
import { Inventory } from '../inventory/index.js';
import { EXIT } from './main.js';
import { inventorySources } from './run.js';

export interface InventoryFlags {
  inventory?: string[];
  listHosts?: boolean;
  limit?: string;
  graph?: boolean | string;
  host?: string;
  list?: boolean;
}

export async function inventoryCommand(flags: InventoryFlags): Promise<number> {
  let inv: Inventory;
  try {
    const sources = inventorySources(flags.inventory);
    inv = sources.length > 0 ? await Inventory.load(sources) : Inventory.empty();
    for (const w of inv.warnings) process.stderr.write(`[WARNING]: ${w}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return EXIT.parse;
  }
  const w = (s: string): void => void process.stdout.write(s);
  if (flags.host) {
    if (!inv.host(flags.host)) {
      process.stderr.write(`error: host "${flags.host}" is not in the inventory\n`);
      return EXIT.error;
    }
    w(`${JSON.stringify(inv.hostVars(flags.host), null, 4)}\n`);
  } else if (flags.graph !== undefined && flags.graph !== false) {
    w(`${inv.graph(typeof flags.graph === 'string' ? flags.graph : undefined)}\n`);
  } else if (flags.list) {
    w(`${JSON.stringify(inv.toList(), null, 4)}\n`);
  } else if (flags.listHosts) {
    const { hosts, warnings } = inv.select(flags.limit ?? 'all');
    for (const x of warnings) process.stderr.write(`[WARNING]: ${x}\n`);
    for (const h of hosts) w(`${h}\n`);
  } else {
    process.stderr.write('error: choose one of --list-hosts, --graph, --host NAME, --list\n');
    return EXIT.badOptions;
  }
  return EXIT.ok;
}
