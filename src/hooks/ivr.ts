import { randomUUID } from 'node:crypto';
import type { GatewayFeature } from '../app';
import type { Services } from '../context';
import { toOptionalString } from '../upstream/convert';
import { canonicalDtmf, canonicalNumber, IvrOutcome, type IvrDecision, type IvrQuery } from '../ivr/rules';
import { parseBody } from './receiver';

const MAX_BODY = 16 * 1024;

/** The answer the platform expects: code 0 (phone, or empty for default routing), 403 blacklisted, 500 failure. */
function answer(decision: IvrDecision): { code: number; msg: string; data: { phone: string } } {
  switch (decision.outcome) {
    case IvrOutcome.TRANSFER:
      return { code: 0, msg: 'success', data: { phone: decision.transferTo ?? '' } };
    case IvrOutcome.DEFAULT_ROUTING:
      return { code: 0, msg: 'success', data: { phone: '' } };
    case IvrOutcome.BLACKLISTED:
      return { code: 403, msg: 'blacklisted', data: { phone: '' } };
    default:
      return { code: 500, msg: decision.reason ?? 'failed', data: { phone: '' } };
  }
}

/** The platform's request, or the name of what is missing. */
function readQuery(body: Record<string, unknown>): IvrQuery | string {
  const str = (v: unknown) => toOptionalString(v)?.trim() ?? '';
  const query = { occCallId: str(body.occCallId), caller: str(body.caller), called: str(body.called), dtmf: str(body.dtmf) };
  if (!query.caller) return 'caller is required';
  if (!query.called) return 'called is required';
  return query;
}

/**
 * POST /hooks/<HOOK_SECRET>/ivr: the platform's IVR-API transfer request, answered synchronously from
 * the in-memory rules (never a platform or store round trip on the way). Each decision is then
 * published as an `ivrDecision` event, in the background: a slow or absent store never delays the
 * caller.
 */
export function ivrEndpoint(services: Services): GatewayFeature {
  const { logger, events, ivr } = services;
  return {
    hooks(routes) {
      routes.add({
        path: '/ivr',
        maxBody: MAX_BODY,
        // Oversized or unreadable bodies: a failure answer in the platform's shape, never a stack trace.
        unreadable: (status) => ({ code: 500, msg: status === 413 ? 'body too large' : 'bad request', data: { phone: '' } }),
        handle({ body, contentType }, reply) {
          const started = process.hrtime.bigint();
          let query: IvrQuery | string;
          try {
            query = readQuery(parseBody(body, contentType));
          } catch (err) {
            query = `unreadable body: ${(err as Error).message}`;
          }
          const decision: IvrDecision = typeof query === 'string' ? { outcome: IvrOutcome.FAILED, reason: query } : ivr.decide(query);
          reply(200, answer(decision));
          if (typeof query === 'string') {
            logger.warn({ reason: query }, 'IVR transfer request refused');
            return;
          }
          const micros = Number((process.hrtime.bigint() - started) / 1000n);
          // Debug, like callbacks: one a call.
          logger.debug({ occCallId: query.occCallId, outcome: decision.outcome, ruleId: decision.ruleId, micros }, 'IVR transfer decided');
          // One event per call and key sequence: a retried request is the same decision.
          const key = query.occCallId ? `${query.occCallId}:${query.dtmf}` : randomUUID();
          const { occCallId } = query;
          events
            .publish('ivrDecision', key, {
              occCallId: occCallId || undefined,
              caller: canonicalNumber(query.caller),
              called: canonicalNumber(query.called),
              dtmf: canonicalDtmf(query.dtmf),
              outcome: decision.outcome,
              transferTo: decision.transferTo,
              ruleId: decision.ruleId,
              reason: decision.reason,
              decidedAt: new Date(),
            })
            .catch((err: Error) => logger.warn({ err: err.message, occCallId }, 'IVR decision not published (event log unavailable)'));
        },
      });
    },
  };
}
