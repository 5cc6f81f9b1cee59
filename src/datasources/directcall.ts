import { BadInputError, UpstreamUnavailableError } from '../errors';
import type { DirectCallBinding, DirectCallBindInput, DirectCallUnbinding, DirectCallUnbindInput, SdkServiceParams } from '../schema/directcall';
import { isPhoneNumber, toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

const REBOUND = '0001';

function checkTerminalInfo(text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadInputError('terminalInfo', 'must be a JSON object text as the SDK returns it');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadInputError('terminalInfo', 'must be a JSON object');
}

function checkOrderId(orderId: string): void {
  if (!orderId.trim()) throw new BadInputError('orderId', 'must not be empty');
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

/** Direct call (`/api/sdk/dc/*` on the open host). */
export class DirectCallDataSource extends DataSource {
  async bind(input: DirectCallBindInput): Promise<DirectCallBinding> {
    if (!isPhoneNumber(input.telA)) throw new BadInputError('telA', `"${input.telA}" is not a phone number`);
    if (!isPhoneNumber(input.telB)) throw new BadInputError('telB', `"${input.telB}" is not a phone number`);
    checkOrderId(input.orderId);
    const body: Record<string, unknown> = { telA: input.telA, telB: input.telB, orderId: input.orderId };
    if (input.displayNumber != null) {
      if (!isPhoneNumber(input.displayNumber)) throw new BadInputError('displayNumber', `"${input.displayNumber}" is not a phone number`);
      body.callnum = input.displayNumber;
    }
    if (input.expiresInSeconds != null) {
      if (input.expiresInSeconds <= 0) throw new BadInputError('expiresInSeconds', 'must be positive (omit it for a permanent binding)');
      body.expiration = input.expiresInSeconds;
    }
    if (input.userData != null) body.userData = input.userData;
    if (input.source != null) body.source = input.source;
    if (input.areaCode != null) {
      if (input.areaCode <= 0) throw new BadInputError('areaCode', 'must be a positive area code');
      body.areaCode = input.areaCode;
    }
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
    if (!isPhoneNumber(input.telA)) throw new BadInputError('telA', `"${input.telA}" is not a phone number`);
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
