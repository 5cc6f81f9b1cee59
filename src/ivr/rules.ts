import { parsePhone, withoutSeparators } from '../schema/phone';

/**
 * IVR transfer routing: the platform asks where to send a caller after keypresses; the answer comes
 * from rules admins manage. A rule set is plain data, decided in memory in microseconds.
 *
 * Order of precedence (docs/ivr.md):
 *  1. Blacklist: a caller matching any block entry (its exact number, or a prefix entry's prefix;
 *     limited to one called number when the entry names one) is refused (code 403).
 *  2. Routes: a route matches when every condition it sets holds (called number equal, DTMF
 *     sequence equal, caller starts with the prefix). Of the matching routes the most specific
 *     wins: one naming the called number beats one that does not; then one naming a DTMF sequence;
 *     then the longer caller prefix; then the lower `priority`; then the older rule.
 *  3. The winner's `transferTo` is the answer; a winner without one, or no winner, means the
 *     platform's default routing (code 0 with an empty phone).
 */

export interface IvrRoute {
  type: 'route';
  id: string;
  name?: string;
  /** Normalised called number the route applies to; any when absent. */
  called?: string;
  /** DTMF sequence (digits, * and #) the caller must have pressed; any when absent. */
  dtmf?: string;
  /** Caller numbers starting with these digits; any when absent. */
  callerPrefix?: string;
  /** Number to transfer to; absent = the platform's default routing. */
  transferTo?: string;
  /** Tie-break between equally specific routes: lower first. */
  priority: number;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface IvrBlock {
  type: 'block';
  id: string;
  /** A normalised caller number, or the leading digits of callers when `prefix`. */
  caller: string;
  prefix: boolean;
  /** Limits the entry to calls to this number; all calls when absent. */
  called?: string;
  reason?: string;
  createdAt: number;
  updatedAt: number;
}

export type IvrRule = IvrRoute | IvrBlock;

export interface IvrQuery {
  occCallId: string;
  caller: string;
  called: string;
  dtmf: string;
}

export enum IvrOutcome {
  TRANSFER = 'TRANSFER',
  DEFAULT_ROUTING = 'DEFAULT_ROUTING',
  BLACKLISTED = 'BLACKLISTED',
  FAILED = 'FAILED',
}

export interface IvrDecision {
  outcome: IvrOutcome;
  /** Number the caller is transferred to (TRANSFER only). */
  transferTo?: string;
  /** The rule that decided (route or block entry); none for default routing without a match. */
  ruleId?: string;
  /** Why the decision failed (FAILED only). */
  reason?: string;
}

/**
 * One canonical form for numbers the platform sends and admins type: a Chinese number in its national
 * form (+86/0086 dropped), anything else (service numbers like 95795, SIP extensions) as its digits.
 */
export function canonicalNumber(input: string): string {
  const parsed = parsePhone(input);
  if (parsed) return parsed.number;
  return withoutSeparators(input);
}

/** DTMF as pressed: digits, * and #, without separators the platform or an admin may put between keys. */
export function canonicalDtmf(input: string): string {
  return input.replace(/[\s,;|-]/g, '');
}

/** Specificity of a matching route as a tuple compared left to right (greater wins). */
function specificity(r: IvrRoute): [number, number, number, number, number] {
  return [r.called ? 1 : 0, r.dtmf ? 1 : 0, r.callerPrefix?.length ?? 0, -r.priority, -r.createdAt];
}

function moreSpecific(a: IvrRoute, b: IvrRoute): boolean {
  const sa = specificity(a);
  const sb = specificity(b);
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sa[i] > sb[i];
  return a.id < b.id;
}

/** Routes in the order a call tries them (enabled and disabled alike). */
export function routesByPrecedence(rules: readonly IvrRule[]): IvrRoute[] {
  return rules.filter((r): r is IvrRoute => r.type === 'route').sort((a, b) => (moreSpecific(a, b) ? -1 : 1));
}

/** An immutable rule set indexed by called number, so a decision looks only at rules that can match. */
export class IvrRuleSet {
  private readonly routesByCalled = new Map<string, IvrRoute[]>();
  private readonly anyCalledRoutes: IvrRoute[] = [];
  private readonly blocksByCaller = new Map<string, IvrBlock[]>();
  private readonly prefixBlocks: IvrBlock[] = [];

  constructor(readonly rules: readonly IvrRule[]) {
    for (const rule of rules) {
      if (rule.type === 'route') {
        if (!rule.enabled) continue;
        if (rule.called) this.routesByCalled.set(rule.called, [...(this.routesByCalled.get(rule.called) ?? []), rule]);
        else this.anyCalledRoutes.push(rule);
      } else if (rule.prefix) this.prefixBlocks.push(rule);
      else this.blocksByCaller.set(rule.caller, [...(this.blocksByCaller.get(rule.caller) ?? []), rule]);
    }
  }

  decide(query: IvrQuery): IvrDecision {
    const caller = canonicalNumber(query.caller);
    const called = canonicalNumber(query.called);
    const dtmf = canonicalDtmf(query.dtmf);
    const appliesTo = (b: IvrBlock) => !b.called || b.called === called;
    const block =
      this.blocksByCaller.get(caller)?.find(appliesTo) ?? this.prefixBlocks.find((b) => caller.startsWith(b.caller) && appliesTo(b));
    if (block) return { outcome: IvrOutcome.BLACKLISTED, ruleId: block.id };

    let best: IvrRoute | undefined;
    for (const list of [this.routesByCalled.get(called) ?? [], this.anyCalledRoutes]) {
      for (const r of list) {
        if (r.dtmf !== undefined && r.dtmf !== dtmf) continue;
        if (r.callerPrefix !== undefined && !caller.startsWith(r.callerPrefix)) continue;
        if (!best || moreSpecific(r, best)) best = r;
      }
    }
    if (best?.transferTo) return { outcome: IvrOutcome.TRANSFER, transferTo: best.transferTo, ruleId: best.id };
    return { outcome: IvrOutcome.DEFAULT_ROUTING, ruleId: best?.id };
  }
}
