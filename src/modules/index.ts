/** All modules: importing this registers them. Other module families add their line here. */
import { registerCoreModules } from './core.js';
import { gossip_key } from './gossip_key.js';
import { nomad_api } from './nomad_api.js';
import { nomad_keyring } from './nomad_keyring.js';
import { nomad_rpc_probe } from './nomad_rpc_probe.js';
import { registerModule } from './registry.js';
import { registerVaultModules } from './vault-index.js';
import { registerSystemModules } from './system-index.js';
import { setup } from './setup.js';
import { include_vars } from './include_vars.js';
import { apt } from './apt.js';
import { dnf, yum } from './dnf.js';
import { packageModule } from './package.js';

export { registerCoreModules } from './core.js';
export { runModule } from './run.js';
export type { ModuleResult } from './run.js';
export { validateArgs } from './args.js';

registerCoreModules();
registerModule(gossip_key);
registerModule(setup);
registerModule(include_vars);
registerModule(apt);
registerModule(dnf);
registerModule(yum);
registerModule(packageModule);
registerModule(nomad_api);
registerModule(nomad_keyring);
registerModule(nomad_rpc_probe);
registerVaultModules();
registerSystemModules();
