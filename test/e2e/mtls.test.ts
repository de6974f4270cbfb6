/** playbooks/mtls.yml end to end on a 1+3 lab (the checks: mtls-suite.ts). */
import { defineFleetSuite } from './mtls-suite.js';

defineFleetSuite(1, 3);
