import type { SandboxContext } from '../server';
import { registerEmit } from './emit';
import { registerAgent } from './agent';
import { registerAgentControl } from './agentcontrol';
import { registerGroup } from './group';
import { registerLookup } from './lookup';
import { registerNotice } from './notice';
import { registerTask } from './task';
import { registerTemplate } from './template';
import { registerMakecall } from './makecall';
import { registerPns } from './pns';
import { registerDirectCall } from './directcall';
import { registerAim } from './aim';
import { registerSms } from './sms';
import { registerIvr } from './ivr';
import { registerMarking } from './marking';

/** Every platform family the sandbox simulates; each registers its endpoints on the context. */
export function registerFamilies(ctx: SandboxContext): void {
  registerTask(ctx);
  registerTemplate(ctx);
  registerNotice(ctx);
  registerEmit(ctx);
  registerGroup(ctx);
  registerAgent(ctx);
  registerAgentControl(ctx);
  registerLookup(ctx);
  registerMakecall(ctx);
  registerPns(ctx);
  registerDirectCall(ctx);
  registerAim(ctx);
  registerSms(ctx);
  registerIvr(ctx);
  registerMarking(ctx);
}
