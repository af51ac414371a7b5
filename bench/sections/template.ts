/** The synthesized production template (resources only), for the cost model in run.ts. */
import { emitResult, progress } from '../lib/child';
import { synthProductionTemplate } from '../lib/template';

progress('template: synthesizing the production stack (bundling skipped)');
const template = synthProductionTemplate();
emitResult({ Resources: template.Resources });
