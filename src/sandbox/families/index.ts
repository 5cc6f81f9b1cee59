import type { SandboxContext } from '../server';
import { registerTask } from './task';

/** Every platform family the sandbox simulates; each registers its endpoints on the context. */
export function registerFamilies(ctx: SandboxContext): void {
  registerTask(ctx);
}
