import callbacks from '../../spec/callbacks.json';
import type { CallbackEncoding } from '../callbacks';
import type { SandboxContext } from '../server';

type Body = Record<string, unknown>;

/** The spec's example body of every callback kind, under the gateway's kind names. */
function examples(): Record<string, { body: Body; encoding: CallbackEncoding }> {
  const out: Record<string, { body: Body; encoding: CallbackEncoding }> = {};
  for (const c of callbacks) {
    if (!c.example || c.event === 'ivrTransfer') continue;
    const kind = c.event === 'PnsCallEnd' && c.family === 'directcall' ? 'DirectCallEnd' : c.event === 'sms.uplink' ? 'smsUplink' : c.event;
    out[kind] = { body: c.example as Body, encoding: c.contentType === 'form' ? 'form' : 'json' };
  }
  // The legacy template review has no example: it is the v2 body with event=template, form-encoded.
  const review = out.TemplateReviewEvent.body;
  out.template = { body: { ...review, event: 'template' }, encoding: 'form' };
  return out;
}

/**
 * POST /__sandbox/emit {kind, fields?, encoding?}: the platform pushes one callback of any kind to
 * the hook URL (the spec's example body with `fields` laid over it), with its retry behaviour.
 */
export function registerEmit(ctx: SandboxContext): void {
  const bodies = examples();
  ctx.control('post', '/emit', (req) => {
    const { kind, fields, encoding } = (req.body ?? {}) as { kind?: string; fields?: Body; encoding?: CallbackEncoding };
    const example = kind ? bodies[kind] : undefined;
    if (!example) throw new Error(`kind must be one of ${Object.keys(bodies).join(', ')}`);
    const body = { ...structuredClone(example.body), ...(fields ?? {}) };
    const record = ctx.callbacks.push(kind!, body, encoding ?? example.encoding);
    return { id: record.id, kind, body };
  });
}
