/** playbooks/mtls.yml end to end on a 1+15 lab (the checks: mtls-suite.ts). */
import { defineFleetSuite } from './mtls-suite.js';

defineFleetSuite(1, 15);
