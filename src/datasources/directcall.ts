import { BadInputError, UpstreamUnavailableError } from '../errors';
import type {
  DirectCallBinding,
  DirectCallBindInput,
  DirectCallUnbinding,
  DirectCallUnbindInput,
  SdkServiceParams,
} from '../schema/directcall';
import { toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

const REBOUND = '0001';

function checkTerminalInfo(text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadInputError('terminalInfo', 'must be a JSON object text as the SDK returns it');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadInputError('terminalInfo', 'must be a JSON object');
}

function checkOrderId(orderId: string): void {
  if (!orderId.trim()) throw new BadInputError('orderId', 'must not be empty');
}

/**
 * An area code as people write it ("0755", "010", also "755") → the Integer the spec types the bind's
 * `areaCode` as (订单产生所在地区号, Integer): 755, 10. The trunk 0 cannot survive an integer.
 */
function areaCodeNumber(areaCode: string): number {
  const digits = areaCode.trim();
  const n = Number(digits);
  if (!/^\d+$/.test(digits) || n === 0 || !Number.isSafeInteger(n))
    throw new BadInputError('areaCode', `"${areaCode}" is not an area code (digits, e.g. "0755")`);
  return n;
}

const bool = (v: unknown) => v === true || v === 'true';

function serviceParams(p: Record<string, unknown> | undefined): SdkServiceParams {
  const s = p ?? {};
  return {
    openStun: bool(s.openStun),
    openIce: bool(s.openIce),
    tcp: bool(s.tcp),
    stunServer: toOptionalString(s.stunService),
    codec: toOptionalString(s.codeC),
    sendLog: bool(s.sendLog),
    uploadLog: bool(s.uploadLog),
    uploadLogUrl: toOptionalString(s.uploadLogUrl),
  };
}

/**
 * Direct call (`/api/sdk/dc/*` on the open host). telA, telB and displayNumber arrive as `Phone`
 * values, validated and in national form, which is what the platform gets.
 */
export class DirectCallDataSource extends DataSource {
  async bind(input: DirectCallBindInput): Promise<DirectCallBinding> {
    checkOrderId(input.orderId);
    const body: Record<string, unknown> = { telA: input.telA, telB: input.telB, orderId: input.orderId };
    if (input.displayNumber != null) body.callnum = input.displayNumber;
    if (input.expiresInSeconds != null) {
      if (input.expiresInSeconds <= 0) throw new BadInputError('expiresInSeconds', 'must be positive (omit it for a permanent binding)');
      body.expiration = input.expiresInSeconds;
    }
    if (input.userData != null) body.userData = input.userData;
    if (input.source != null) body.source = input.source;
    if (input.areaCode != null) body.areaCode = areaCodeNumber(input.areaCode);
    if (input.terminalInfo != null) {
      checkTerminalInfo(input.terminalInfo);
      body.terminalInfo = input.terminalInfo;
    }
    const { data, code } = await this.ctx.call<Record<string, unknown>>('directcall.bind', { body, alsoSuccess: [REBOUND] });
    const sipId = toOptionalString(data?.sipId);
    const sipPort = toInt(data?.sipPort);
    if (!sipId || sipPort === undefined) throw new UpstreamUnavailableError('directcall.bind', 'no SIP registration in the answer');
    return {
      overwritten: code === REBOUND,
      sipId,
      sipPassword: String(data.sipPassword ?? ''),
      sipHost: String(data.sipIP ?? ''),
      sipPort,
      webSocketUrl: String(data.wsAddress ?? ''),
      domain: String(data.domain ?? ''),
      serviceParams: serviceParams(data.serviceParams as Record<string, unknown> | undefined),
      autoSwitch: toInt(data.autoSwitch),
    };
  }

  async unbind(input: DirectCallUnbindInput): Promise<DirectCallUnbinding> {
    checkOrderId(input.orderId);
    const delaySeconds = input.delaySeconds ?? 0;
    if (delaySeconds < 0) throw new BadInputError('delaySeconds', 'must not be negative');
    const body: Record<string, unknown> = { telA: input.telA, orderId: input.orderId };
    if (delaySeconds > 0) body.expiration = delaySeconds;
    if (input.userData != null) body.userData = input.userData;
    if (input.terminalInfo != null) {
      checkTerminalInfo(input.terminalInfo);
      body.terminalInfo = input.terminalInfo;
    }
    await this.ctx.call('directcall.unbind', { body });
    return { telA: input.telA, orderId: input.orderId, delaySeconds };
  }
}
