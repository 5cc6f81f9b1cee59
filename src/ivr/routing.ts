import { randomUUID } from 'node:crypto';
import { checkMaxLength, isPhoneNumber } from '../upstream/convert';
import { BadInputError, NotFoundError } from '../errors';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import {
  canonicalDtmf,
  canonicalNumber,
  IvrOutcome,
  IvrRuleSet,
  type IvrBlock,
  type IvrDecision,
  type IvrQuery,
  type IvrRoute,
  type IvrRule,
} from './rules';

/** Every rule, one hash field per rule id (JSON). */
const RULES_KEY = 'ivr:rules';
/** Incremented on every change; instances reload the rules when it moves. */
const REVISION_KEY = 'ivr:rev';
export const MAX_RULES = 10_000;
const DEFAULT_PRIORITY = 100;

export interface RouteInput {
  name?: string | null;
  called?: string | null;
  dtmf?: string | null;
  callerPrefix?: string | null;
  transferTo?: string | null;
  priority?: number | null;
  enabled?: boolean | null;
}

/** Exactly one of `caller` (one number) and `callerPrefix` (leading digits). */
export interface BlockInput {
  caller?: string | null;
  callerPrefix?: string | null;
  called?: string | null;
  reason?: string | null;
}

/** `undefined` keeps the current value, `null` (or an empty string) clears it. */
function patched<T>(next: T | null | undefined, current: T | undefined): T | undefined {
  if (next === undefined) return current;
  if (next === null || (typeof next === 'string' && next.trim() === '')) return undefined;
  return next;
}

function number(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const n = canonicalNumber(value.trim());
  if (!isPhoneNumber(n)) throw new BadInputError(field, `"${value}" is not a phone or service number (3 to 20 digits)`);
  return n;
}

function dtmf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = canonicalDtmf(value);
  // No length limit: the platform's `dtmf` is any string of keys (spec: IVR-API transfer request).
  if (!/^[0-9*#]+$/.test(d)) throw new BadInputError('dtmf', `"${value}" is not a key sequence (0-9, * and #)`);
  return d;
}

function digits(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = value.trim();
  if (!/^\d+$/.test(d)) throw new BadInputError(field, `"${value}" must be digits`);
  return d;
}

function text(field: string, value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  checkMaxLength(field, value, max);
  return value.trim();
}

const sameConditions = (a: IvrRoute, b: IvrRoute) =>
  a.called === b.called && a.dtmf === b.dtmf && a.callerPrefix === b.callerPrefix && a.priority === b.priority;

/**
 * The IVR routing rules of the deployment: kept in the store (shared by every instance), held in
 * memory as an indexed rule set so the platform's transfer requests are answered without a round
 * trip. Each instance reloads when the shared revision moves (checked every `refreshMs`, and at
 * once after its own changes).
 */
export class IvrRouting {
  private ruleSet?: IvrRuleSet;
  private revision: string | null = null;
  private refreshing?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly refreshMs: number,
  ) {}

  async start(): Promise<void> {
    await this.refresh().catch((err: Error) => this.logger.warn({ err: err.message }, 'IVR rules not loaded yet (store unavailable)'));
    this.timer = setInterval(() => {
      this.refresh().catch((err: Error) => this.logger.debug({ err: err.message }, 'IVR rules refresh failed'));
    }, this.refreshMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Whether rules were loaded at least once (until then every decision is FAILED). */
  get ready(): boolean {
    return this.ruleSet !== undefined;
  }

  decide(query: IvrQuery): IvrDecision {
    if (!this.ruleSet) return { outcome: IvrOutcome.FAILED, reason: 'routing rules not loaded' };
    return this.ruleSet.decide(query);
  }

  /** The rules this instance decides with (call `refresh` first for the latest shared ones). */
  rules(): readonly IvrRule[] {
    return this.ruleSet?.rules ?? [];
  }

  /** Reloads the rules when the shared revision moved (one reload at a time). */
  refresh(force = false): Promise<void> {
    if (this.refreshing) {
      // A forced reload must read after the caller's write: wait for the one in flight, then read again.
      const current = this.refreshing;
      return force ? current.catch(() => undefined).then(() => this.refresh(true)) : current;
    }
    this.refreshing = (async () => {
      try {
        const revision = await this.store.get(REVISION_KEY);
        if (!force && this.ruleSet && revision === this.revision) return;
        const stored = await this.store.hgetall(RULES_KEY);
        const rules: IvrRule[] = [];
        for (const [id, json] of Object.entries(stored)) {
          try {
            rules.push(JSON.parse(json) as IvrRule);
          } catch {
            this.logger.error({ id }, 'unreadable IVR rule skipped');
          }
        }
        this.ruleSet = new IvrRuleSet(rules);
        this.revision = revision;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  async createRoute(input: RouteInput): Promise<IvrRoute> {
    const now = Date.now();
    const route = this.route(
      { type: 'route', id: randomUUID(), priority: DEFAULT_PRIORITY, enabled: true, createdAt: now, updatedAt: now },
      input,
    );
    return this.save(route);
  }

  async updateRoute(id: string, input: RouteInput): Promise<IvrRoute> {
    const current = await this.find(id, 'route');
    return this.save(this.route({ ...current, updatedAt: Date.now() }, input));
  }

  async createBlock(input: BlockInput): Promise<IvrBlock> {
    const now = Date.now();
    const given = (v: string | null | undefined): v is string => v !== undefined && v !== null;
    if (given(input.caller) === given(input.callerPrefix)) throw new BadInputError('caller', 'give exactly one of caller and callerPrefix');
    const prefix = given(input.callerPrefix);
    const caller = prefix ? digits('callerPrefix', input.callerPrefix!) : number('caller', input.caller!);
    if (!caller) throw new BadInputError(prefix ? 'callerPrefix' : 'caller', 'is required');
    const block: IvrBlock = {
      type: 'block',
      id: randomUUID(),
      caller,
      prefix,
      called: number('called', patched(input.called, undefined)),
      reason: text('reason', patched(input.reason, undefined), 200),
      createdAt: now,
      updatedAt: now,
    };
    const twin = (await this.latest()).find(
      (r) => r.type === 'block' && r.caller === block.caller && r.prefix === block.prefix && r.called === block.called,
    );
    if (twin) throw new BadInputError(prefix ? 'callerPrefix' : 'caller', `already blacklisted by entry ${twin.id}`);
    return this.save(block);
  }

  async remove(id: string, type: IvrRule['type']): Promise<void> {
    await this.find(id, type);
    await this.store.hdel(RULES_KEY, id);
    await this.changed();
  }

  /** The shared rules as stored now. */
  async latest(): Promise<readonly IvrRule[]> {
    await this.refresh();
    return this.rules();
  }

  private route(base: IvrRoute, input: RouteInput): IvrRoute {
    const priority = input.priority ?? base.priority;
    if (!Number.isInteger(priority) || priority < 0 || priority > 1_000_000)
      throw new BadInputError('priority', 'must be an integer from 0 to 1000000');
    return {
      ...base,
      name: text('name', patched(input.name, base.name), 100),
      called: number('called', patched(input.called, base.called)),
      dtmf: dtmf(patched(input.dtmf, base.dtmf)),
      callerPrefix: digits('callerPrefix', patched(input.callerPrefix, base.callerPrefix)),
      transferTo: patched(input.transferTo, base.transferTo),
      priority,
      enabled: input.enabled ?? base.enabled,
    };
  }

  private async find<T extends IvrRule['type']>(id: string, type: T): Promise<Extract<IvrRule, { type: T }>> {
    const found = (await this.latest()).find((r) => r.id === id && r.type === type);
    if (!found) throw new NotFoundError(`No IVR ${type === 'route' ? 'route' : 'blacklist entry'} with id ${id}`);
    return found as Extract<IvrRule, { type: T }>;
  }

  private async save<T extends IvrRule>(rule: T): Promise<T> {
    const rules = await this.latest();
    if (rule.type === 'route') {
      const twin = rules.find((r): r is IvrRoute => r.type === 'route' && r.id !== rule.id && sameConditions(r, rule));
      if (twin)
        throw new BadInputError('priority', `route ${twin.id} has the same conditions and priority, so one of them could never apply`);
    }
    if (!rules.some((r) => r.id === rule.id) && rules.length >= MAX_RULES)
      throw new BadInputError('rules', `at most ${MAX_RULES} IVR rules`);
    await this.store.hset(RULES_KEY, { [rule.id]: JSON.stringify(rule) });
    await this.changed();
    return rule;
  }

  private async changed(): Promise<void> {
    await this.store.incrBy(REVISION_KEY, 1);
    await this.refresh(true);
  }
}
